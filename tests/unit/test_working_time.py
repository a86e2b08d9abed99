"""WorkingCalendar: working-hours arithmetic across nights, weekends, holidays and DST."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pytest
import yaml

from workflows.policy.loader import parse_config
from workflows.policy.working_time import WorkingCalendar

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
WEEKDAYS = frozenset(range(5))
H = timedelta(hours=1)
M = timedelta(minutes=1)

THANKSGIVING = date(2026, 11, 26)  # Thursday
DAY_AFTER = date(2026, 11, 27)  # Friday, our own `extra` day off in app.yaml


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A New York wall-clock time as an aware UTC instant (what callers pass in)."""
    return datetime(y, mo, d, h, mi, tzinfo=NY).astimezone(UTC)


def calendar(holidays=frozenset(), days=WEEKDAYS, start=time(8), end=time(18)) -> WorkingCalendar:
    return WorkingCalendar(zone=NY, days=days, start=start, end=end, holidays=holidays)


@pytest.fixture
def desk() -> WorkingCalendar:
    """Mon-Fri 08:00-18:00 New York, no holidays."""
    return calendar()


@pytest.fixture
def us_desk() -> WorkingCalendar:
    """As app.yaml: US public holidays plus 2026-11-27 and 2026-12-24."""
    cal = holidays_lib.country_holidays("US")
    cal.update({DAY_AFTER: "extra", date(2026, 12, 24): "extra"})
    return calendar(holidays=cal)


# --------------------------------------------------------------------- add_working_time


def test_inside_hours_adds_plainly(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 10), 2 * H) == ny(2026, 11, 10, 12)


def test_result_is_aware_utc_also_for_local_input(desk):
    start = datetime(2026, 11, 10, 10, tzinfo=NY)  # not converted by the caller
    result = desk.add_working_time(start, 30 * M)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 10, 10, 30, tzinfo=NY)


def test_start_before_opening_counts_from_opening(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 6), H) == ny(2026, 11, 10, 9)


def test_start_after_closing_counts_from_next_morning(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 19), H) == ny(2026, 11, 11, 9)


def test_start_exactly_at_opening(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 8), 10 * H) == ny(2026, 11, 10, 18)


def test_spills_over_closing_into_next_day(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 17), 2 * H) == ny(2026, 11, 11, 9)


def test_result_exactly_at_closing_stays_at_closing(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 16), 2 * H) == ny(2026, 11, 10, 18)


def test_start_exactly_at_closing_counts_from_next_opening(desk):
    assert desk.add_working_time(ny(2026, 11, 10, 18), H) == ny(2026, 11, 11, 9)


def test_friday_evening_rolls_to_monday(desk):
    # Friday 2026-11-13 17:00: one hour on Friday, two on Monday.
    assert desk.add_working_time(ny(2026, 11, 13, 17), 3 * H) == ny(2026, 11, 16, 10)
    assert desk.add_working_time(ny(2026, 11, 13, 20), 3 * H) == ny(2026, 11, 16, 11)


def test_weekend_start_begins_monday_morning(desk):
    assert desk.add_working_time(ny(2026, 11, 14, 12), 15 * M) == ny(2026, 11, 16, 8, 15)


def test_multi_day_amounts(desk):
    assert desk.add_working_time(ny(2026, 11, 9, 8), 50 * H) == ny(2026, 11, 13, 18)
    assert desk.add_working_time(ny(2026, 11, 9, 12), 24 * H) == ny(2026, 11, 11, 16)
    # One week (168h) of working time from Monday noon: 6h + 16 full days + 2h.
    assert desk.add_working_time(ny(2026, 11, 9, 12), timedelta(weeks=1)) == ny(2026, 12, 2, 10)


def test_thanksgiving_is_skipped_with_country_holidays():
    cal = calendar(holidays=holidays_lib.country_holidays("US"))
    # Wednesday 17:00 + 2h: 1h on Wednesday, Thursday is Thanksgiving, 1h on Friday.
    assert cal.add_working_time(ny(2026, 11, 25, 17), 2 * H) == ny(2026, 11, 27, 9)


def test_extra_day_off_is_skipped_too(us_desk):
    # Thursday (Thanksgiving) and Friday (extra) closed: on to Monday.
    assert us_desk.add_working_time(ny(2026, 11, 25, 17), 2 * H) == ny(2026, 11, 30, 9)
    # A ticket opened on the holiday itself waits for Monday.
    assert us_desk.add_working_time(ny(2026, 11, 26, 10), H) == ny(2026, 11, 30, 9)


def test_extra_dates_alone_are_holidays():
    cal = calendar(holidays={date(2026, 12, 24)})
    assert cal.add_working_time(ny(2026, 12, 23, 17), 2 * H) == ny(2026, 12, 25, 9)


def test_from_config_uses_zone_hours_and_holidays():
    data = yaml.safe_load(MINIMAL_CONFIG)
    cal = WorkingCalendar.from_config(parse_config(data))
    assert (cal.zone, cal.days, cal.start, cal.end) == (NY, WEEKDAYS, time(8), time(18))
    assert THANKSGIVING in cal.holidays and DAY_AFTER in cal.holidays
    assert cal.add_working_time(ny(2026, 11, 25, 17), 2 * H) == ny(2026, 11, 30, 9)

    del data["holidays"]
    cal = WorkingCalendar.from_config(parse_config(data))
    assert THANKSGIVING not in cal.holidays
    assert cal.add_working_time(ny(2026, 11, 25, 17), 2 * H) == ny(2026, 11, 26, 9)


def test_dst_spring_forward_p2_target(desk):
    # 4h started Friday 2026-03-06 16:00 EST ends Monday 2026-03-09 10:00 EDT.
    start = datetime(2026, 3, 6, 16, tzinfo=NY)
    due = desk.add_working_time(start, 4 * H)
    assert due == datetime(2026, 3, 9, 14, tzinfo=UTC)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 9, 10)
    assert start.utcoffset() == timedelta(hours=-5)
    assert due.astimezone(NY).utcoffset() == timedelta(hours=-4)
    # Friday 16:00 to Monday 10:00 is 66 wall-clock hours but only 65 real ones.
    assert due - start == timedelta(hours=65)


def test_dst_fall_back(desk):
    # Friday 2026-10-30 16:00 EDT + 4h -> Monday 2026-11-02 10:00 EST (15:00Z).
    start = datetime(2026, 10, 30, 16, tzinfo=NY)
    due = desk.add_working_time(start, 4 * H)
    assert due == datetime(2026, 11, 2, 15, tzinfo=UTC)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 2, 10)
    assert due - start == timedelta(hours=67)


def test_seven_day_desk_over_dst_sundays():
    cal = calendar(days=frozenset(range(7)))
    # The change happens at 02:00, outside hours: Sunday is a full 10h day in both cases.
    assert cal.add_working_time(ny(2026, 3, 8, 8), 10 * H) == ny(2026, 3, 8, 18)
    assert cal.add_working_time(ny(2026, 11, 1, 8), 10 * H) == ny(2026, 11, 1, 18)
    assert cal.add_working_time(ny(2026, 3, 7, 17), 2 * H) == ny(2026, 3, 8, 9)


def test_dst_change_inside_working_hours_counts_real_time():
    night = calendar(days=frozenset(range(7)), start=time(0), end=time(6))
    # Spring forward: 00:00-06:00 local is only 5 real hours.
    assert night.working_time_between(ny(2026, 3, 8, 0), ny(2026, 3, 8, 6)) == 5 * H
    assert night.add_working_time(ny(2026, 3, 8, 0), 5 * H) == ny(2026, 3, 8, 6)
    assert night.add_working_time(ny(2026, 3, 8, 0), 6 * H) == ny(2026, 3, 9, 1)
    # Fall back: 7 real hours.
    assert night.working_time_between(ny(2026, 11, 1, 0), ny(2026, 11, 1, 6)) == 7 * H
    assert night.add_working_time(ny(2026, 11, 1, 0), 7 * H) == ny(2026, 11, 1, 6)


def test_opening_inside_the_spring_forward_gap():
    cal = calendar(days=frozenset(range(7)), start=time(2, 30), end=time(4))
    # 02:30 does not exist on 2026-03-08; the day opens at 03:30 EDT (07:30Z).
    assert cal.next_opening(ny(2026, 3, 8, 0)) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert cal.working_time_between(ny(2026, 3, 8, 0), ny(2026, 3, 8, 5)) == 30 * M


def test_zero_amount_returns_start(desk):
    saturday = ny(2026, 11, 14, 12)
    assert desk.add_working_time(saturday, timedelta(0)) == saturday


def test_negative_amount_and_naive_start_are_refused(desk):
    with pytest.raises(ValueError, match="negative"):
        desk.add_working_time(ny(2026, 11, 10, 10), -M)
    with pytest.raises(ValueError, match="naive"):
        desk.add_working_time(datetime(2026, 11, 10, 10), H)


def test_years_of_working_time_finish(us_desk):
    start = ny(2026, 1, 5, 9)
    amount = timedelta(days=3 * 365)  # 2,628 working days of 10h: over ten calendar years
    due = us_desk.add_working_time(start, amount)
    assert due.year == 2036
    assert us_desk.working_time_between(start, due) == amount


# --------------------------------------------------------------------- construction


def test_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="at least one working day"):
        calendar(days=frozenset())


def test_closing_not_after_opening_is_refused():
    with pytest.raises(ValueError, match="not after"):
        calendar(start=time(18), end=time(8))


def test_calendar_that_never_opens_fails_instead_of_looping():
    class EveryDay:
        def __contains__(self, day):
            return True

    cal = calendar(holidays=EveryDay())
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_time(ny(2026, 11, 10, 10), H)
    with pytest.raises(ValueError, match="no working time"):
        cal.next_opening(ny(2026, 11, 10, 10))


def test_calendar_is_hashable_and_frozen(desk):
    assert hash(desk) == hash(calendar())
    with pytest.raises(AttributeError):
        desk.start = time(9)  # type: ignore[misc]


# --------------------------------------------------------------------- is_working / next_opening


def test_is_working(us_desk):
    assert us_desk.is_working(ny(2026, 11, 10, 8))  # opening included
    assert us_desk.is_working(ny(2026, 11, 10, 17, 59))
    assert not us_desk.is_working(ny(2026, 11, 10, 18))  # closing excluded
    assert not us_desk.is_working(ny(2026, 11, 10, 7, 59))
    assert not us_desk.is_working(ny(2026, 11, 14, 12))  # Saturday
    assert not us_desk.is_working(ny(2026, 11, 11, 12))  # Veterans Day
    assert not us_desk.is_working(ny(2026, 11, 26, 12))  # Thanksgiving
    assert not us_desk.is_working(ny(2026, 11, 27, 12))  # extra day off


def test_next_opening(us_desk):
    assert us_desk.next_opening(ny(2026, 11, 10, 11)) == ny(2026, 11, 10, 11)
    assert us_desk.next_opening(ny(2026, 11, 10, 6)) == ny(2026, 11, 10, 8)
    assert us_desk.next_opening(ny(2026, 11, 17, 18)) == ny(2026, 11, 18, 8)
    assert us_desk.next_opening(ny(2026, 11, 10, 18)) == ny(2026, 11, 12, 8)  # Veterans Day
    assert us_desk.next_opening(ny(2026, 11, 13, 19)) == ny(2026, 11, 16, 8)
    assert us_desk.next_opening(ny(2026, 11, 25, 18)) == ny(2026, 11, 30, 8)
    # Across spring forward: Monday 08:00 EDT is 12:00Z.
    assert us_desk.next_opening(ny(2026, 3, 6, 18)) == datetime(2026, 3, 9, 12, tzinfo=UTC)


# --------------------------------------------------------------------- working_time_between


def test_between_counts_only_working_time(us_desk):
    assert us_desk.working_time_between(ny(2026, 11, 10, 10), ny(2026, 11, 10, 12)) == 2 * H
    assert us_desk.working_time_between(ny(2026, 11, 13, 17), ny(2026, 11, 16, 10)) == 3 * H
    assert us_desk.working_time_between(ny(2026, 11, 14, 0), ny(2026, 11, 15, 23)) == 0 * H
    assert us_desk.working_time_between(ny(2026, 11, 25, 8), ny(2026, 11, 30, 18)) == 20 * H


def test_between_is_negative_when_end_is_earlier(us_desk):
    a, b = ny(2026, 11, 13, 17), ny(2026, 11, 16, 10)
    assert us_desk.working_time_between(b, a) == -3 * H
    assert us_desk.working_time_between(a, a) == timedelta(0)


STARTS = [
    ny(2026, 11, 10, 10, 17),  # Tuesday, inside hours
    ny(2026, 11, 10, 5),  # before opening
    ny(2026, 11, 10, 18),  # exactly at closing
    ny(2026, 11, 13, 17, 45),  # Friday evening
    ny(2026, 11, 15, 3),  # Sunday night
    ny(2026, 11, 25, 16),  # before Thanksgiving
    ny(2026, 11, 26, 9),  # on Thanksgiving
    ny(2026, 3, 6, 16),  # before spring forward
    ny(2026, 3, 8, 2, 30),  # during the gap's day
    ny(2026, 10, 30, 17),  # before fall back
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, the first of two 01:30s
]
AMOUNTS = [M, 45 * M, 2 * H, 4 * H, 10 * H, 24 * H, timedelta(hours=37, minutes=13, seconds=7),
           timedelta(weeks=1)]


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.isoformat())
@pytest.mark.parametrize("amount", AMOUNTS, ids=str)
def test_between_inverts_add(us_desk, start, amount):
    due = us_desk.add_working_time(start, amount)
    assert due >= start
    assert us_desk.working_time_between(start, due) == amount
    # Adding in two steps lands in the same place.
    half = us_desk.add_working_time(start, amount / 2)
    assert us_desk.add_working_time(half, amount - amount / 2) == due


MINIMAL_CONFIG = """\
timezone: America/New_York
business_hours: {days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00"}
channels: {triage: C_TRIAGE, incidents: C_INCIDENTS, oncall: C_ONCALL}
priorities:
  P0: {name: Critical, first_response: 15m, resolution: 2h, warn_at: 0.75, page: true, business_hours: false}
  P1: {name: High, first_response: 1h, resolution: 8h, warn_at: 0.75, page: true, business_hours: false}
  P2: {name: Medium, first_response: 4h, resolution: 24h, warn_at: 0.75, page: false, business_hours: true}
  P3: {name: Low, first_response: 24h, resolution: 1w, warn_at: 0.75, page: false, business_hours: true}
tiers:
  - {id: tier1, name: Frontline, channel: C_TIER1}
categories:
  - {name: Login problems, tier: tier1}
incidents: {update_cadence: {P0: 15m}}
oncall:
  rotation: {start: "2026-11-23T00:00:00Z", every: 1w, primary: [U_ONCALL_A]}
holidays: {country: US, extra: [2026-11-27, 2026-12-24]}
"""
