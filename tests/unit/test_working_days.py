"""Business-hours targets in days and weeks (#24): ``d`` and ``w`` count working days, the
same time of day N working days later, across weekends, holidays, DST changes and starts
outside working hours; ``h``/``m``/``s`` count working time, after the days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pytest

from workflows.policy.durations import Target, parse_target
from workflows.policy.working_time import WorkingCalendar
from workflows.sla.targets import add_target, clock_start, resume_due_at, warn_at

NY = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
H = timedelta(hours=1)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY).astimezone(UTC)


def calendar(holidays=frozenset(), days=WEEKDAYS, start=time(8), end=time(18)) -> WorkingCalendar:
    return WorkingCalendar(zone=NY, days=days, start=start, end=end, holidays=holidays)


@pytest.fixture(scope="module")
def desk() -> WorkingCalendar:
    """Mon-Fri 08:00-18:00 New York, no holidays."""
    return calendar()


@pytest.fixture(scope="module")
def us_desk() -> WorkingCalendar:
    """As app.yaml: US public holidays plus 2026-11-27 and 2026-12-24."""
    cal = holidays_lib.country_holidays("US")
    cal.update({date(2026, 11, 27): "extra", date(2026, 12, 24): "extra"})
    return calendar(holidays=cal)


def due(cal: WorkingCalendar, start: datetime, text: str, business_hours: bool = True) -> datetime:
    return add_target(start, parse_target(text), business_hours=business_hours, calendar=cal)


# ------------------------------------------------------------------ days across weekends


def test_one_working_day_is_the_same_time_the_next_working_day(desk):
    assert desk.add_working_days(ny(2026, 11, 10, 10, 30), 1) == ny(2026, 11, 11, 10, 30)   # Tue -> Wed
    assert desk.add_working_days(ny(2026, 11, 13, 10), 1) == ny(2026, 11, 16, 10)           # Fri -> Mon
    assert desk.add_working_days(ny(2026, 11, 13, 10), 3) == ny(2026, 11, 18, 10)           # Fri -> Wed


def test_a_week_is_the_working_days_of_a_week(desk):
    # The example: a P3 of 1w opened on a Tuesday at 10:00 is due the next Tuesday at 10:00.
    assert due(desk, ny(2026, 12, 8, 10), "1w") == ny(2026, 12, 15, 10)
    assert due(desk, ny(2026, 12, 8, 10), "5d") == ny(2026, 12, 15, 10)
    assert due(desk, ny(2026, 12, 8, 10), "2w 1d") == ny(2026, 12, 23, 10)
    four_day_week = calendar(days=frozenset({0, 1, 2, 3}))                               # Mon-Thu
    assert four_day_week.days_per_week == 4
    # Wed 9, Thu 10, Mon 14, Tue 15: a week is four working days, still Tuesday to Tuesday.
    assert due(four_day_week, ny(2026, 12, 8, 10), "1w") == ny(2026, 12, 15, 10)
    assert due(four_day_week, ny(2026, 12, 8, 10), "5d") == ny(2026, 12, 16, 10)


def test_days_are_added_first_then_working_hours(desk):
    # Monday 16:00 + 1d = Tuesday 16:00; + 4 working hours = 2h Tuesday, 2h Wednesday.
    assert due(desk, ny(2026, 11, 16, 16), "1d4h") == ny(2026, 11, 18, 10)
    assert due(desk, ny(2026, 11, 16, 16), "1d 30m") == ny(2026, 11, 17, 16, 30)


def test_hours_still_count_working_time(desk):
    # 24h is 24 working hours: Tue 10-18 (8h), Wed (10h), Thu 08-14 -- not Wednesday 10:00.
    assert due(desk, ny(2026, 11, 10, 10), "24h") == ny(2026, 11, 12, 14)


def test_around_the_clock_a_week_is_seven_times_24_hours(desk):
    start = ny(2026, 11, 13, 22)  # Friday night
    assert due(desk, start, "1w", business_hours=False) == start + timedelta(weeks=1)
    assert due(desk, start, "1d4h", business_hours=False) == start + 28 * H


# ------------------------------------------------------------------ holidays


def test_holidays_are_skipped_like_weekends(us_desk):
    # Thanksgiving (Thu 26) and our extra day (Fri 27) are closed.
    assert us_desk.add_working_days(ny(2026, 11, 25, 10), 1) == ny(2026, 11, 30, 10)
    # Christmas Eve (extra) and Christmas Day, then the weekend.
    assert due(us_desk, ny(2026, 12, 23, 15), "1d") == ny(2026, 12, 28, 15)
    # The example P3 opened 2026-12-08 10:00: five working days, no holiday between.
    assert due(us_desk, ny(2026, 12, 8, 10), "1w") == ny(2026, 12, 15, 10)
    # Over the year end: Dec 23 + 1w = Dec 28, 29, 30, 31, (Jan 1 closed) Jan 4.
    assert due(us_desk, ny(2026, 12, 23, 9), "1w") == ny(2027, 1, 4, 9)


# ------------------------------------------------------------------ DST


def test_spring_forward_keeps_the_wall_clock_time(desk):
    # Friday 10:00 EST + 1d = Monday 10:00 EDT: 15:00Z, then 14:00Z.
    result = desk.add_working_days(datetime(2026, 3, 6, 10, tzinfo=NY), 1)
    assert result == datetime(2026, 3, 9, 14, tzinfo=UTC)
    assert due(desk, ny(2026, 3, 3, 10), "1w") == datetime(2026, 3, 10, 14, tzinfo=UTC)


def test_fall_back_keeps_the_wall_clock_time(desk):
    # Friday 10:00 EDT + 1d = Monday 10:00 EST: 14:00Z, then 15:00Z.
    assert desk.add_working_days(ny(2026, 10, 30, 10), 1) == datetime(2026, 11, 2, 15, tzinfo=UTC)


def test_a_working_day_is_one_day_whatever_its_length():
    # A night desk 00:00-06:00 every day works 5 hours on spring-forward Sunday.
    night = calendar(days=frozenset(range(7)), start=time(0), end=time(6))
    saturday = datetime(2026, 3, 7, 3, tzinfo=NY)
    # One working day later is Sunday 03:00 EDT (07:00Z) ...
    assert night.add_working_days(saturday, 1) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    # ... while 6 working hours (an ordinary day's length) run to 04:00 EDT.
    assert night.add_working_time(saturday, 6 * H) == datetime(2026, 3, 8, 8, tzinfo=UTC)


# ------------------------------------------------------------------ starts outside the hours


def test_a_start_before_opening_counts_from_opening(desk):
    assert desk.add_working_days(ny(2026, 11, 10, 7), 1) == ny(2026, 11, 11, 8)             # Tue 07:00
    assert due(desk, ny(2026, 11, 10, 7), "1d2h") == ny(2026, 11, 11, 10)


def test_a_start_after_closing_counts_from_the_next_opening(desk):
    assert desk.add_working_days(ny(2026, 11, 10, 19), 1) == ny(2026, 11, 12, 8)            # Tue 19:00 -> Thu
    assert desk.add_working_days(ny(2026, 11, 10, 18), 1) == ny(2026, 11, 12, 8)            # closing itself
    assert desk.add_working_days(ny(2026, 11, 13, 20), 1) == ny(2026, 11, 17, 8)            # Fri night -> Tue


def test_a_start_on_a_saturday_counts_from_monday_opening(desk):
    assert desk.add_working_days(ny(2026, 11, 14, 11), 1) == ny(2026, 11, 17, 8)            # Sat -> Tue 08:00
    assert due(desk, ny(2026, 11, 14, 11), "1w") == ny(2026, 11, 23, 8)                     # Sat -> Mon+1w


def test_a_start_on_a_holiday_counts_from_the_next_opening(us_desk):
    assert us_desk.add_working_days(ny(2026, 11, 26, 12), 1) == ny(2026, 12, 1, 8)          # Thanksgiving


def test_zero_days_and_negative_days(desk):
    saturday = ny(2026, 11, 14, 11)
    assert desk.add_working_days(saturday, 0) == saturday
    assert desk.subtract_working_days(saturday, 0) == saturday
    with pytest.raises(ValueError, match="negative"):
        desk.add_working_days(saturday, -1)
    with pytest.raises(ValueError, match="negative"):
        desk.subtract_working_days(saturday, -1)


# ------------------------------------------------------------------ back from a due time


@pytest.mark.parametrize("start", [
    ny(2026, 11, 10, 10, 30), ny(2026, 11, 13, 17, 59), ny(2026, 11, 14, 11), ny(2026, 11, 10, 7),
    ny(2026, 11, 25, 10), ny(2026, 12, 23, 15), datetime(2026, 3, 6, 10, tzinfo=NY),
])
@pytest.mark.parametrize("text", ["1d", "1w", "3d", "1d4h", "2w 1d 30m", "24h"])
def test_clock_start_reads_the_start_back_from_the_due_time(us_desk, start, text):
    target = parse_target(text)
    due_at = add_target(start, target, business_hours=True, calendar=us_desk)
    back = clock_start(due_at, target, business_hours=True, calendar=us_desk)
    # The same moment in working time (a start outside the hours reads back as the opening).
    assert us_desk.working_time_between(back, start) == timedelta(0)
    assert us_desk.working_time_between(back, due_at) == us_desk.working_time_between(start, due_at)


def test_subtracting_days_from_outside_the_hours_counts_back_from_the_last_closing(desk):
    assert desk.subtract_working_days(ny(2026, 11, 14, 11), 1) == ny(2026, 11, 12, 18)      # Sat -> Thu 18:00
    assert desk.subtract_working_days(ny(2026, 11, 17, 7), 1) == ny(2026, 11, 13, 18)       # Tue 07:00 -> Fri
    assert desk.subtract_working_days(ny(2026, 11, 16, 10), 1) == ny(2026, 11, 13, 10)      # Mon -> Fri


# ------------------------------------------------------------------ warnings and pauses


def test_the_warning_of_a_week_is_a_share_of_its_working_time(us_desk):
    created = ny(2026, 12, 8, 10)
    due_at = due(us_desk, created, "1w")
    # 0.75 of 50 working hours is 37.5h: Tue 8h, Wed 10h, Thu 10h, Fri 08:00-17:30.
    assert warn_at(created, due_at, 0.75, business_hours=True, calendar=us_desk) == ny(2026, 12, 11, 17, 30)


def test_a_pause_moves_a_working_day_due_time_by_the_working_time_paused(us_desk):
    due_at = due(us_desk, ny(2026, 12, 8, 10), "1w")                                         # Tue 15 10:00
    # Paused one working day (Thu 12:00 -> Fri 12:00): due one working day later.
    assert resume_due_at(due_at, ny(2026, 12, 10, 12), ny(2026, 12, 11, 12), business_hours=True,
                         calendar=us_desk) == ny(2026, 12, 16, 10)
    # Paused over the weekend only (Fri 18:00 -> Mon 08:00): no working time, no move.
    assert resume_due_at(due_at, ny(2026, 12, 11, 18), ny(2026, 12, 14, 8), business_hours=True,
                         calendar=us_desk) == due_at


def test_a_plain_timedelta_is_working_time(desk):
    start = ny(2026, 11, 10, 10)
    assert add_target(start, 24 * H, business_hours=True, calendar=desk) == due(desk, start, "24h")
    assert add_target(start, Target(days=1), business_hours=True, calendar=desk) == ny(2026, 11, 11, 10)
