"""Value parsers and checks for app.yaml fields, shared by the config models.

Each parser takes what YAML gave and returns the typed value or raises a pydantic
custom error whose message becomes the problem line (see ``workflows.policy.schema``)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import (
    BeforeValidator,
    ValidationError,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from workflows.policy.durations import format_duration, parse_duration

PRIORITY_IDS = ("P0", "P1", "P2", "P3")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """app.yaml cannot be used; ``problems`` has one human-readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


# --------------------------------------------------------------------------- values


def _show(value: object) -> str:
    """A value as a problem line quotes it: repr, but dates and times as ISO text."""
    if isinstance(value, (date, time)):
        return repr(value.isoformat())
    return repr(value)


def _parse_zone(value: object) -> str:
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(f"{_show(value)} is not an IANA time zone")


_FULL_DAYS = dict(zip(DAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                             "saturday", "sunday")))


def _parse_day(value: object) -> str:
    if isinstance(value, str):
        day = value.strip().lower()[:3]
        if day in DAYS and value.strip().lower() in (day, _FULL_DAYS[day]):
            return day
    raise ValueError(f"{_show(value)} is not a day (use {', '.join(DAYS)})")



def _parse_time(value: object) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise ValueError(f"{_show(value)} is not a time of day (use HH:MM)")


def _parse_fraction(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(f"{_show(value)} is not between 0 and 1 "
                     "(e.g. 0.75: warn when 75% of the time has passed)")


def _text_matching(pattern: str, problem: str):
    """A before-validator for text that fully matches ``pattern``: '<value> <problem>'."""
    compiled = re.compile(pattern)

    def check(value: object) -> str:
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        raise ValueError(f"{_show(value)} {problem}")

    return check


def _parse_priority_id(value: object) -> str:
    if value in PRIORITY_IDS:
        return value  # type: ignore[return-value]
    raise ValueError(f"unknown priority {_show(value)} (priorities: {', '.join(PRIORITY_IDS)})")


def _parse_instant(value: object) -> datetime:
    instant = value
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(instant, datetime) and instant.utcoffset() is not None:
        return instant
    raise ValueError(f"{_show(value)} is not a date and time with a UTC offset "
                     "(use e.g. 2026-11-23T09:00:00Z or 2026-11-23T09:00:00-05:00)")


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{_show(value)} is not a date (use YYYY-MM-DD)")


def _parse_country(value: object) -> str:
    if isinstance(value, str) and value.strip():
        code = value.strip().upper()
        try:
            holidays_lib.country_holidays(code)
            return code
        except NotImplementedError:
            pass
    raise ValueError(f"{_show(value)} is not a country code known to the holidays "
                     "library (like US, GB, DE)")


def _parse_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_kind(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _parse_category_name(value: object) -> str:
    name = _parse_name(value)
    if len(name) > 75:
        raise ValueError("is longer than 75 characters (the most a Slack menu shows)")
    return name


def _parse_result_count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise ValueError(f"{_show(value)} is not a number of articles between 1 and 5")


def _parse_web_url(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value.strip()):
        return value.strip().rstrip("/") + "/"
    raise ValueError(f"{_show(value)} is not a web address (like https://help.example.com/articles/)")


def _parse_folder(value: object) -> str:
    name = _parse_name(value)
    if "\0" in name:
        raise ValueError("is not a folder path")
    return name


def _optional(parse):
    return lambda value: None if value is None else parse(value)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
OptionalDuration = Annotated[timedelta | None, BeforeValidator(_optional(parse_duration))]
TimeOfDay = Annotated[time, BeforeValidator(_parse_time)]
Day = Annotated[str, BeforeValidator(_parse_day)]
Name = Annotated[str, BeforeValidator(_parse_name)]
ChannelId = Annotated[str, BeforeValidator(_text_matching(
    r"[CG][A-Z0-9_]+", "is not a Slack channel id (like C0123ABCDE)"))]
UserId = Annotated[str, BeforeValidator(_text_matching(
    r"[UW][A-Z0-9_]+", "is not a Slack user id (like U0123ABCDE)"))]
TierId = Annotated[str, BeforeValidator(_text_matching(
    r"[A-Za-z0-9_-]{1,40}", "is not a tier id (letters, digits, - and _)"))]
ChannelPrefix = Annotated[str, BeforeValidator(_text_matching(
    r"[a-z0-9_-]{1,20}",
    "is not a channel prefix (lowercase letters, digits, - and _, at most 20 characters)"))]
PriorityId = Annotated[str, BeforeValidator(_parse_priority_id)]
Cadence = dict[PriorityId, Duration]


def _raise(problems: list[tuple[tuple[str | int, ...], str]], value: object) -> NoReturn:
    """Raise one pydantic error per ``(relative loc, message)``, all at once."""
    raise ValidationError.from_exception_data("app.yaml", [
        InitErrorDetails(type=PydanticCustomError("config_problem", "{problem}",
                                                  {"problem": message}),
                         loc=loc, input=value)
        for loc, message in problems
    ])


def _check_resolution(model):
    """After-validator shared by Priority and Category: resolution >= first_response."""
    first, resolution = model.first_response, model.resolution
    if first and resolution and resolution < first:
        _raise([(("resolution",), f"{format_duration(resolution)} is shorter than "
                                  f"first_response ({format_duration(first)})")], resolution)
    return model


# --------------------------------------------------------------------------- messages


def _path(loc: tuple[str | int, ...]) -> str:
    """('tiers', 2, 'channel') -> 'tiers[2].channel'; dict keys are dotted names."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _show(value)


def _message(error: dict[str, Any]) -> str:
    """Pydantic's error -> our wording."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "config_problem":
        return str(error["msg"])
    simple = {
        "missing": "missing",
        "extra_forbidden": "unknown key",
        "string_type": f"expected text, got {_kind(value)}",
        "model_type": f"expected a mapping (key: value), got {_kind(value)}",
        "model_attributes_type": f"expected a mapping (key: value), got {_kind(value)}",
        "dict_type": f"expected a mapping (key: value), got {_kind(value)}",
        "list_type": f"expected a list, got {_kind(value)}",
        "bool_type": f"expected true or false, got {_kind(value)}",
        "bool_parsing": f"expected true or false, got {_kind(value)}",
    }
    if kind in simple:
        return simple[kind]
    if kind == "too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else \
            f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} entries"
    msg = str(error.get("msg", kind))
    return msg[:1].lower() + msg[1:]
