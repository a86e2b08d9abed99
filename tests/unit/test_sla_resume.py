"""The arithmetic of a paused clock: resuming shifts the due time by exactly the pause
(24/7) or by the paused working time (business hours, across a weekend and a holiday);
``clock_start`` and ``subtract_working_time`` read a clock's start back from its due time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pytest

from workflows.sla.targets import add_target, clock_start, resume_due_at
from workflows.policy.working_time import WorkingCalendar

NY = ZoneInfo("America/New_York")

H = timedelta(hours=1)
M = timedelta(minutes=1)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY).astimezone(UTC)


@pytest.fixture(scope="module")
def desk() -> WorkingCalendar:
    """Mon-Fri 08:00-18:00 New York, US holidays plus 2026-11-27 (as app.yaml)."""
    cal = holidays_lib.country_holidays("US")
    cal.update({date(2026, 11, 27): "extra"})
    return WorkingCalendar(zone=NY, days=frozenset(range(5)), start=time(8), end=time(18), holidays=cal)


# ----------------------------------------------------------------------------- 24/7


def test_around_the_clock_the_due_time_moves_by_exactly_the_pause(desk):
    due = ny(2026, 11, 25, 18)
    assert resume_due_at(due, ny(2026, 11, 25, 11), ny(2026, 11, 25, 13, 7), business_hours=False,
                         calendar=desk) == due + 2 * H + 7 * M
    # Over a weekend too: 24/7 clocks do not care what day it is.
    assert resume_due_at(due, ny(2026, 11, 25, 11), ny(2026, 11, 30, 11), business_hours=False,
                         calendar=desk) == due + timedelta(days=5)


def test_a_pause_that_began_after_the_breach_keeps_the_ticket_overdue_by_as_much(desk):
    due = ny(2026, 11, 25, 10)
    resumed = resume_due_at(due, ny(2026, 11, 25, 12), ny(2026, 11, 25, 15), business_hours=False, calendar=desk)
    assert resumed == ny(2026, 11, 25, 13)  # 2h overdue at the pause, 2h overdue at the resume


def test_an_empty_or_backwards_pause_changes_nothing(desk):
    due = ny(2026, 11, 25, 18)
    assert resume_due_at(due, ny(2026, 11, 25, 11), ny(2026, 11, 25, 11), business_hours=True, calendar=desk) == due
    assert resume_due_at(due, ny(2026, 11, 25, 12), ny(2026, 11, 25, 11), business_hours=False, calendar=desk) == due


# ------------------------------------------------------------------- business hours


def test_business_hours_pause_across_a_holiday_weekend_adds_only_its_working_time(desk):
    # 24h of working time from Wed 2026-11-25 10:00 (Thanksgiving and Friday off): Tue 14:00.
    due = add_target(ny(2026, 11, 25, 10), 24 * H, business_hours=True, calendar=desk)
    assert due == ny(2026, 12, 1, 14)
    # Paused Wed 16:00, resumed Mon 09:00: working time paused = Wed 16-18 + Mon 08-09 = 3h.
    resumed = resume_due_at(due, ny(2026, 11, 25, 16), ny(2026, 11, 30, 9), business_hours=True, calendar=desk)
    assert resumed == ny(2026, 12, 1, 17)
    # The working time left at the pause is left again at the resume.
    assert desk.working_time_between(ny(2026, 11, 30, 9), resumed) == \
        desk.working_time_between(ny(2026, 11, 25, 16), due) == 18 * H


def test_a_pause_entirely_outside_working_hours_moves_nothing(desk):
    due = ny(2026, 12, 1, 14)
    resumed = resume_due_at(due, ny(2026, 11, 25, 19), ny(2026, 11, 30, 7, 30), business_hours=True, calendar=desk)
    assert resumed == due


def test_business_hours_overdue_at_the_pause_stays_as_overdue_in_working_time(desk):
    due = ny(2026, 11, 25, 12)
    # Paused Wed 14:00 (2h working overdue), resumed Mon 10:00: due 2h of working time before.
    resumed = resume_due_at(due, ny(2026, 11, 25, 14), ny(2026, 11, 30, 10), business_hours=True, calendar=desk)
    assert resumed == ny(2026, 11, 30, 8)
    assert desk.working_time_between(resumed, ny(2026, 11, 30, 10)) == 2 * H


# ----------------------------------------------------------------- clock start


def test_clock_start_undoes_add_target(desk):
    start = ny(2026, 11, 25, 10)
    assert clock_start(start + 8 * H, 8 * H, business_hours=False, calendar=desk) == start
    due = add_target(start, 24 * H, business_hours=True, calendar=desk)
    assert clock_start(due, 24 * H, business_hours=True, calendar=desk) == start


def test_subtract_working_time_counts_back_over_weekends_and_holidays(desk):
    assert desk.subtract_working_time(ny(2026, 11, 30, 10), 4 * H) == ny(2026, 11, 25, 16)
    assert desk.subtract_working_time(ny(2026, 11, 30, 10), 2 * H) == ny(2026, 11, 30, 8)  # opening stays
    assert desk.subtract_working_time(ny(2026, 11, 28, 12), H) == ny(2026, 11, 25, 17)  # from a Saturday
    assert desk.subtract_working_time(ny(2026, 11, 25, 10), timedelta(0)) == ny(2026, 11, 25, 10)
    with pytest.raises(ValueError):
        desk.subtract_working_time(ny(2026, 11, 25, 10), -H)


@pytest.mark.parametrize("amount", [M, 90 * M, 10 * H, 37 * H + 13 * M, 400 * H])
@pytest.mark.parametrize("end", [ny(2026, 11, 30, 9, 30), ny(2026, 11, 29, 3), ny(2026, 3, 9, 12), ny(2026, 11, 2, 8)])
def test_subtract_is_the_inverse_of_between(desk, end, amount):
    start = desk.subtract_working_time(end, amount)
    assert desk.working_time_between(start, end) == amount
