"""When reports are due: the latest ended period of each, on the report zone's wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from workflows.policy.reports import Reports, WeeklyReport
from models.report_runs import ReportKind
from workflows.reports.schedule import (
    Period,
    due_periods,
    latest_daily_period,
    latest_weekly_period,
    next_report_at,
)

NY = ZoneInfo("America/New_York")
NINE = time(9, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_daily_period_ends_at_the_daily_time_and_is_due_only_after_it():
    assert latest_daily_period(NINE, NY, utc(2026, 11, 25, 14, 0)) == Period(
        ReportKind.DAILY, utc(2026, 11, 24, 14, 0), utc(2026, 11, 25, 14, 0))
    assert latest_daily_period(NINE, NY, utc(2026, 11, 25, 13, 59)) == Period(
        ReportKind.DAILY, utc(2026, 11, 23, 14, 0), utc(2026, 11, 24, 14, 0))


def test_a_bot_down_for_days_gets_only_the_latest_period():
    assert latest_daily_period(NINE, NY, utc(2026, 12, 3, 16, 30)).start == utc(2026, 12, 2, 14, 0)


def test_daily_periods_keep_local_nine_across_daylight_saving_changes():
    # 2026-03-08: New York springs forward; the period before is 23 hours long.
    spring = latest_daily_period(NINE, NY, utc(2026, 3, 8, 13, 30))
    assert (spring.start, spring.end) == (utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 13, 0))
    autumn = latest_daily_period(NINE, NY, utc(2026, 11, 1, 15, 0))      # falls back: 25 hours
    assert (autumn.start, autumn.end) == (utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0))


def test_the_weekly_period_ends_on_its_day_and_time():
    monday = 0
    assert latest_weekly_period(monday, NINE, NY, utc(2026, 11, 25, 15, 0)) == Period(
        ReportKind.WEEKLY, utc(2026, 11, 16, 14, 0), utc(2026, 11, 23, 14, 0))
    assert latest_weekly_period(monday, NINE, NY, utc(2026, 11, 23, 13, 0)).end == utc(2026, 11, 16, 14, 0)
    assert latest_weekly_period(4, time(16, 30), NY, utc(2026, 11, 28, 0, 0)).end == utc(2026, 11, 27, 21, 30)


def test_reports_switched_off_are_never_due():
    reports = Reports(channel="C0REPORTS1", daily=None, weekly=None)
    assert due_periods(reports, NY, utc(2026, 11, 25, 15, 0)) == []
    assert next_report_at(reports, NY, utc(2026, 11, 25, 15, 0)) is None


def test_the_next_wake_up_is_the_next_period_end():
    reports = Reports(channel="C0REPORTS1", daily=NINE, weekly=WeeklyReport(day="mon", time=NINE))
    assert [p.kind for p in due_periods(reports, NY, utc(2026, 11, 25, 15, 0))] == [ReportKind.DAILY,
                                                                                      ReportKind.WEEKLY]
    assert next_report_at(reports, NY, utc(2026, 11, 25, 15, 0)) == utc(2026, 11, 26, 14, 0)
    assert next_report_at(reports, NY, utc(2026, 11, 26, 14, 0)) == utc(2026, 11, 27, 14, 0)
    weekly_only = Reports(channel="C0REPORTS1", daily=None)
    assert next_report_at(weekly_only, NY, utc(2026, 11, 25, 15, 0)) == utc(2026, 11, 30, 14, 0)
