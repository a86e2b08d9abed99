"""The optional ``limits`` section of app.yaml: how much one person may open in a minute.

    limits:
      tickets_per_minute: 10      # tickets one person may open per minute (default 10)
      incidents_per_minute: 3     # incidents one person may declare per minute (default 3)

Each is a whole number from 1 to 1000, or ``off`` (no limit). Without the section the
defaults apply. The count is kept in the database, so every replica enforces the same
limit (``models/user_limits.py``); the rule and the answers are in
``workflows/access/limits.py``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from workflows.policy.problems import show
from workflows.policy.values import Section

__all__ = ["DEFAULT_INCIDENTS_PER_MINUTE", "DEFAULT_TICKETS_PER_MINUTE", "Limits"]

DEFAULT_TICKETS_PER_MINUTE = 10
DEFAULT_INCIDENTS_PER_MINUTE = 3
PER_MINUTE_MAX = 1000


def _parse_per_minute(value: object) -> int | None:
    if isinstance(value, str) and value.strip().lower() == "off":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= PER_MINUTE_MAX:
        return value
    raise ValueError(f"{show(value)} is not a number per minute from 1 to {PER_MINUTE_MAX} (or off)")


PerMinute = Annotated[int | None, BeforeValidator(_parse_per_minute)]


class Limits(Section):
    """Per-person limits; None: no limit."""

    tickets_per_minute: PerMinute = DEFAULT_TICKETS_PER_MINUTE
    incidents_per_minute: PerMinute = DEFAULT_INCIDENTS_PER_MINUTE
