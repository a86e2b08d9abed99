"""The value types app.yaml's sections share: days, times, ids, names, durations, targets.

Each parser takes what YAML gave and returns the typed value or raises ``ValueError``,
whose text becomes the problem line (``workflows.policy.problems``). ``Section`` is the
base of every section model: frozen, and unknown keys are refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time, timedelta
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator

from workflows.policy.durations import Target, parse_duration, parse_target
from workflows.policy.problems import kind_of, show

__all__ = ["DAYS", "PRIORITY_IDS", "Cadence", "ChannelId", "Day", "Duration", "Name",
           "OptionalDuration", "OptionalSlaTarget", "PriorityId", "Section", "SlaTarget", "TierId", "TimeOfDay",
           "UserId", "optional", "parse_day", "parse_name", "parse_priority_id", "parse_time", "parse_zone", "text_matching"]

PRIORITY_IDS = ("P0", "P1", "P2", "P3")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

T = TypeVar("T")


class Section(BaseModel):
    """A section (or part of one) of app.yaml: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_zone(value: object) -> str:
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(f"{show(value)} is not an IANA time zone")


_FULL_DAYS = dict(zip(DAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                             "saturday", "sunday")))


def parse_day(value: object) -> str:
    if isinstance(value, str):
        day = value.strip().lower()[:3]
        if day in DAYS and value.strip().lower() in (day, _FULL_DAYS[day]):
            return day
    raise ValueError(f"{show(value)} is not a day (use {', '.join(DAYS)})")


def parse_time(value: object) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise ValueError(f"{show(value)} is not a time of day (use HH:MM)")


def text_matching(pattern: str, problem: str) -> Callable[[object], str]:
    """A before-validator for text that fully matches ``pattern``: '<value> <problem>'."""
    compiled = re.compile(pattern)

    def check(value: object) -> str:
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        raise ValueError(f"{show(value)} {problem}")

    return check


def parse_priority_id(value: object) -> str:
    if value in PRIORITY_IDS:
        return value  # type: ignore[return-value]
    raise ValueError(f"unknown priority {show(value)} (priorities: {', '.join(PRIORITY_IDS)})")


def parse_name(value: object) -> str:
    """Text that is not blank, stripped."""
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {kind_of(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def optional(parse: Callable[[object], T]) -> Callable[[object], T | None]:
    """``parse``, but None (the key written without a value) stays None."""
    return lambda value: None if value is None else parse(value)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
OptionalDuration = Annotated[timedelta | None, BeforeValidator(optional(parse_duration))]
#: An SLA target (``1w``, ``1d 4h``, ``24h``): days and weeks kept apart, since on business
#: hours they count working days (``workflows.policy.durations.Target``).
SlaTarget = Annotated[Target, PlainValidator(parse_target)]
OptionalSlaTarget = Annotated[Target | None, PlainValidator(optional(parse_target))]
TimeOfDay = Annotated[time, BeforeValidator(parse_time)]
Day = Annotated[str, BeforeValidator(parse_day)]
Name = Annotated[str, BeforeValidator(parse_name)]
ChannelId = Annotated[str, BeforeValidator(text_matching(
    r"[CG][A-Z0-9_]+", "is not a Slack channel id (like C0123ABCDE)"))]
UserId = Annotated[str, BeforeValidator(text_matching(
    r"[UW][A-Z0-9_]+", "is not a Slack user id (like U0123ABCDE)"))]
TierId = Annotated[str, BeforeValidator(text_matching(
    r"[A-Za-z0-9_-]{1,40}", "is not a tier id (letters, digits, - and _)"))]
PriorityId = Annotated[str, BeforeValidator(parse_priority_id)]
#: A duration per priority (priorities not listed are left out).
Cadence = dict[PriorityId, Duration]
