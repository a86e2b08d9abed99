"""Local days of the reports' time zone, as the daily stats rollups count them (pure).

    start, end = day_bounds(date(2026, 3, 8), ZoneInfo("America/New_York"))  # 23 hours, in UTC
    full_days(since, until, zone)      # the complete local days inside [since, until)
    runs([d1, d2, d3, d5])             # [(d1, d3), (d5, d5)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["day_bounds", "day_of", "full_days", "policy_key", "runs", "uncovered"]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of a local day, in UTC (23 or 25 hours across a DST change)."""
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def day_of(instant: datetime, zone: ZoneInfo) -> date:
    """The local day an instant falls on."""
    return instant.astimezone(zone).date()


def full_days(since: datetime, until: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    """(first, last) complete local days inside ``[since, until)``; None when there is none."""
    first = day_of(since, zone)
    if day_bounds(first, zone)[0] < since:
        first += timedelta(days=1)
    last = day_of(until, zone) - timedelta(days=1)  # it ends where the day of ``until`` starts
    return (first, last) if first <= last else None


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped: [(first, last), ...] in order."""
    out: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def uncovered(since: datetime, until: datetime, covered: Sequence[tuple[date, date]],
              zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The parts of ``[since, until)`` outside the ``covered`` runs of days, as UTC ranges."""
    out: list[tuple[datetime, datetime]] = []
    cursor = since
    for first, last in covered:
        start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
        if start > cursor:
            out.append((cursor, min(start, until)))
        cursor = max(cursor, end)
    if cursor < until:
        out.append((cursor, until))
    return [(a, b) for a, b in out if a < b]


def policy_key(upper_tiers: Sequence[str]) -> str:
    """What of the policy a built day depends on: the tiers an escalation counts into."""
    return "upper:" + ",".join(upper_tiers)
