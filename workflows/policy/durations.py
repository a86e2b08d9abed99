"""Durations as app.yaml writes them: ``30s``, ``15m``, ``4h``, ``2d``, ``1w``.

``parse_duration`` turns such a value into a positive ``timedelta``; ``format_duration``
turns a ``timedelta`` back into the same compact text, so that what the bot says
("due in 1h 30m") reads like what the admin wrote.

SLA targets (a priority's ``first_response``, ``resolution``, ``next_response``, a
category's overrides) are ``Target`` values instead (``parse_target``): the same text, but
the weeks and days are kept apart from the hours, minutes and seconds, because on a
business-hours priority ``d`` and ``w`` count working days (``1w`` = as many working days
as the calendar has in a week) while ``h``, ``m``, ``s`` count working time. Around the
clock a target means what a duration means (``Target.around_the_clock``). Every other
duration in app.yaml (cadences, windows, the rotation) stays a ``timedelta``.

The accepted grammar is deliberately small: one or more ``<number><unit>`` parts, units
``w d h m s`` in that order, spaces allowed between parts (``1h30m``, ``1h 30m``,
``1.5h``). The arithmetic is done by ``pytimeparse2``; we only decide what we let it see.
Rejected, each with the same message form::

    '1 hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)

- ``None`` (a key written with no value), booleans and bare numbers. A bare number has no
  unit, and PyYAML reads an unquoted ``1:30`` as the integer 90, so a number is never
  taken on trust.
- Words and clock notation (``1 hour``, ``"1:30"``), months and years (their length
  varies), negative and zero durations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytimeparse2

__all__ = ["Target", "as_target", "parse_duration", "parse_target", "format_duration"]

HINT = "(use 30s, 15m, 4h, 2d, 1w)"

# One or more "<number><unit>" parts; pytimeparse2 then checks the unit order.
_COMPACT = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+", re.IGNORECASE)

_UNITS: tuple[tuple[str, int], ...] = (
    ("w", 7 * 24 * 3600),
    ("d", 24 * 3600),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)


def parse_duration(value: object) -> timedelta:
    """Return the positive ``timedelta`` written as ``value`` (e.g. ``"15m"``).

    A ``timedelta`` is accepted as is when it is positive, so models can also be built
    from Python values. Anything else raises ``ValueError`` with a message of the form
    ``'<value>' is not a duration (use 30s, 15m, 4h, 2d, 1w)``.
    """
    if isinstance(value, timedelta):
        if value > timedelta(0):
            return value
        raise _not_a_duration(value)
    if not isinstance(value, str) or not _COMPACT.fullmatch(value):
        raise _not_a_duration(value)
    seconds = pytimeparse2.parse(value.strip().lower())
    if seconds is None or seconds <= 0:
        raise _not_a_duration(value)
    return timedelta(seconds=seconds)


def format_duration(td: timedelta | Target) -> str:
    """Compact text for ``td``: ``15m``, ``1h``, ``1h 30m``, ``2d``, ``1w 2d``.

    Whole seconds only (fractions are dropped); zero is ``0s``; a negative duration gets
    a leading ``-`` (``-5m``), which is handy for "overdue by" texts built by callers.
    A ``Target`` reads as it was written (``24h`` stays ``24h``, not ``1d``).
    """
    if isinstance(td, Target):
        return str(td)
    total = int(td.total_seconds())
    sign = "-" if total < 0 else ""
    remaining = abs(total)
    parts: list[str] = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + (" ".join(parts) if parts else "0s")


def _not_a_duration(value: object) -> ValueError:
    return ValueError(f"{value!r} is not a duration {HINT}")


# ------------------------------------------------------------------------ targets

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.IGNORECASE)
_TIME_UNITS = {"h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class Target:
    """An SLA target as written: whole ``weeks`` and ``days``, and ``time`` (the h/m/s part).

    ``Target(days=1, time=timedelta(hours=4))`` is ``1d 4h``. What it means depends on the
    clock it is put on (``workflows.sla.targets.add_target``): around the clock it is
    ``around_the_clock`` (1w = 7 x 24h); on business hours the weeks and days are working
    days (``working_days``), added first, then ``time`` of working time.
    """

    weeks: int = 0
    days: int = 0
    time: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.weeks < 0 or self.days < 0 or self.time < timedelta(0):
            raise ValueError(f"a target cannot be negative ({self!r})")

    @property
    def has_days(self) -> bool:
        """True when it has a ``d`` or ``w`` part."""
        return bool(self.weeks or self.days)

    def working_days(self, days_per_week: int) -> int:
        """The weeks and days as a number of working days (``1w`` = ``days_per_week``)."""
        return self.weeks * days_per_week + self.days

    @property
    def around_the_clock(self) -> timedelta:
        """The target on a clock that never stops: 1d = 24h, 1w = 7d."""
        return timedelta(weeks=self.weeks, days=self.days) + self.time

    def total_seconds(self) -> float:
        """Seconds of ``around_the_clock``, for readers that take a target for a plain
        duration (a report's target column); SLA arithmetic uses ``add_target``."""
        return self.around_the_clock.total_seconds()

    def __str__(self) -> str:
        parts = [f"{self.weeks}w"] if self.weeks else []
        parts += [f"{self.days}d"] if self.days else []
        remaining = int(self.time.total_seconds())
        for unit, size in _TIME_UNITS.items():
            count, remaining = divmod(remaining, size)
            if count:
                parts.append(f"{count}{unit}")
        return " ".join(parts) if parts else "0s"


def parse_target(value: object) -> Target:
    """The positive ``Target`` written as ``value`` (``"1w"``, ``"1d 4h"``, ``"90m"``).

    The text is a duration (``parse_duration``'s grammar and messages), with whole
    numbers of weeks and days: ``1.5d`` is refused (write ``1d 12h``), because half a
    working day is not a moment anyone can point at. A ``Target`` is taken as is; a
    ``timedelta`` (a target built in Python) is an h/m/s target of that length.
    """
    if isinstance(value, Target):
        if value.has_days or value.time > timedelta(0):
            return value
        raise _not_a_duration(value)
    if isinstance(value, timedelta):
        return Target(time=parse_duration(value))
    parse_duration(value)  # the same acceptance, and the same message, as any duration
    assert isinstance(value, str)
    weeks = days = 0
    time = timedelta(0)
    for number, unit in _PART.findall(value):
        unit = unit.lower()
        if unit in "wd":
            if "." in number:
                raise ValueError(f"{value!r}: weeks and days are whole numbers in a target "
                                 f"(e.g. 1d 12h instead of 1.5d)")
            weeks, days = (weeks + int(number), days) if unit == "w" else (weeks, days + int(number))
        else:
            time += timedelta(seconds=float(number) * _TIME_UNITS[unit])
    return Target(weeks=weeks, days=days, time=time)


def as_target(value: Target | timedelta) -> Target:
    """``value`` as a ``Target``: a plain ``timedelta`` is an h/m/s amount (no working days)."""
    return value if isinstance(value, Target) else Target(time=value)
