"""One working calendar per policy (building its holiday table is not free)."""

from __future__ import annotations

from workflows.policy.schema import AppConfig
from workflows.policy.working_time import WorkingCalendar

_CALENDARS: dict[int, tuple[AppConfig, WorkingCalendar]] = {}


def calendar_for(config: AppConfig) -> WorkingCalendar:
    cached = _CALENDARS.get(id(config))
    if cached is None or cached[0] is not config:
        cached = (config, WorkingCalendar.from_config(config))
        _CALENDARS[id(config)] = cached
    return cached[1]
