"""When scheduled reports are due: pure arithmetic on the report time zone's wall clock.

A daily digest covers the day that ends at the daily time (``[yesterday 09:00, today
09:00)`` local); a weekly report the week that ends at the weekly day and time. A
period is due once it has ended; only the latest ended period of each kind is ever
due, so a bot that was down for a month posts one late digest, not thirty.

    due_periods(config.reports, zone, now)      # [Period(DAILY, …), Period(WEEKLY, …)]

Local times are built on local dates (DST-safe: 09:00 stays 09:00 across a change; a
wall-clock time that does not exist is read with the offset before the change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflows.policy.reports import Reports
from workflows.policy.values import DAYS
from models.report_runs import ReportKind

__all__ = ["Period", "due_periods", "latest_daily_period", "latest_weekly_period", "local_instant",
           "next_report_at"]

ONE_DAY, ONE_WEEK = timedelta(days=1), timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, and which report covers it."""

    kind: ReportKind
    start: datetime
    end: datetime


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` o'clock on ``day`` in ``zone``, as UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def latest_daily_period(at: time, zone: ZoneInfo, now: datetime) -> Period:
    """The last day (ending at ``at`` local) that has ended by ``now``."""
    day = now.astimezone(zone).date()
    if local_instant(day, at, zone) > now:
        day -= ONE_DAY
    return Period(ReportKind.DAILY, local_instant(day - ONE_DAY, at, zone), local_instant(day, at, zone))


def latest_weekly_period(weekday: int, at: time, zone: ZoneInfo, now: datetime) -> Period:
    """The last week (ending on ``weekday`` at ``at`` local; Monday is 0) ended by ``now``."""
    today = now.astimezone(zone).date()
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    if local_instant(day, at, zone) > now:
        day -= ONE_WEEK
    return Period(ReportKind.WEEKLY, local_instant(day - ONE_WEEK, at, zone), local_instant(day, at, zone))


def due_periods(reports: Reports, zone: ZoneInfo, now: datetime) -> list[Period]:
    """The latest ended period of each report that is switched on."""
    periods = []
    if reports.daily is not None:
        periods.append(latest_daily_period(reports.daily, zone, now))
    if reports.weekly is not None:
        periods.append(latest_weekly_period(DAYS.index(reports.weekly.day), reports.weekly.time, zone, now))
    return periods


def next_report_at(reports: Reports, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the next period of any report ends (strictly after ``now``): the next wake-up."""
    today = now.astimezone(zone).date()
    ends = []
    if reports.daily is not None:
        ends.append(next(local_instant(today + timedelta(days=n), reports.daily, zone) for n in range(3)
                         if local_instant(today + timedelta(days=n), reports.daily, zone) > now))
    if reports.weekly is not None:
        day = today + timedelta(days=(DAYS.index(reports.weekly.day) - today.weekday()) % 7)
        end = local_instant(day, reports.weekly.time, zone)
        ends.append(end if end > now else local_instant(day + ONE_WEEK, reports.weekly.time, zone))
    return min(ends, default=None)
