"""SLA targets, due times, warning times and "due in" texts."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from workflows.policy.durations import Target
from workflows.policy.loader import parse_config
from workflows.policy.schema import AppConfig
from workflows.sla.targets import DueTimes, due_times, format_remaining, sla_targets, warn_at
from workflows.policy.working_time import WorkingCalendar

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
H = timedelta(hours=1)
M = timedelta(minutes=1)

POLICY = """\
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
  - {id: tier2, name: Technical, channel: C_TIER2}
categories:
  - {name: Login problems, tier: tier1, escalation: [tier2]}
  - {name: Account compromise, tier: tier2, first_response: 30m}
  - {name: Refund request, tier: tier1, resolution: 3d}
  - {name: Data export, tier: tier2, first_response: 2h, resolution: 10h}
incidents: {update_cadence: {P0: 15m}}
oncall:
  rotation: {start: "2026-11-23T00:00:00Z", every: 1w, primary: [U_ONCALL_A]}
holidays: {country: US, extra: [2026-11-27]}
"""


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY).astimezone(UTC)


@pytest.fixture(scope="module")
def config() -> AppConfig:
    return parse_config(yaml.safe_load(POLICY))


@pytest.fixture(scope="module")
def calendar(config) -> WorkingCalendar:
    return WorkingCalendar.from_config(config)


def due(config, calendar, created, priority, category=None) -> DueTimes:
    return due_times(created, config=config, priority=priority, category=category,
                     calendar=calendar)


# --------------------------------------------------------------------- sla_targets


def t(time: timedelta) -> Target:
    return Target(time=time)


def test_priority_targets_without_category(config):
    assert sla_targets(config, "P1", None) == (t(H), t(8 * H))
    assert sla_targets(config, "P3", "Login problems") == (t(24 * H), Target(weeks=1))


def test_category_overrides_win(config):
    assert sla_targets(config, "P2", "Account compromise") == (t(30 * M), t(24 * H))
    assert sla_targets(config, "P2", "Refund request") == (t(4 * H), Target(days=3))
    assert sla_targets(config, "P0", "Data export") == (t(2 * H), t(10 * H))
    assert sla_targets(config, "P2", "account COMPROMISE") == (t(30 * M), t(24 * H))


def test_unknown_category_keeps_priority_targets_and_unknown_priority_raises(config):
    assert sla_targets(config, "P1", "Retired category") == (t(H), t(8 * H))
    with pytest.raises(KeyError):
        sla_targets(config, "P7", None)


# --------------------------------------------------------------------- due_times


def test_around_the_clock_priorities_ignore_business_hours(config, calendar):
    # Saturday night, and Thanksgiving: P0/P1 clocks run anyway.
    created = ny(2026, 11, 14, 23)
    assert due(config, calendar, created, "P1") == DueTimes(created + H, created + 8 * H)
    thanksgiving = ny(2026, 11, 26, 20)
    assert due(config, calendar, thanksgiving, "P0") == DueTimes(thanksgiving + 15 * M,
                                                                 thanksgiving + 2 * H)


def test_around_the_clock_uses_real_time_over_dst(config, calendar):
    # 01:30 EST on spring-forward night + 2h of real time = 04:30 EDT.
    created = datetime(2026, 3, 8, 1, 30, tzinfo=NY)
    result = due(config, calendar, created, "P0").resolution
    assert result.tzinfo is UTC
    assert result.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 4, 30)


def test_business_hours_p2_across_weekend_and_dst(config, calendar):
    result = due(config, calendar, datetime(2026, 3, 6, 16, tzinfo=NY), "P2")
    # 4h: Friday 16-18, Monday 08-10 (EDT by then).
    assert result.first_response == datetime(2026, 3, 9, 10, tzinfo=NY)
    assert result.first_response == datetime(2026, 3, 9, 14, tzinfo=UTC)
    # 24h: Friday 2h, Monday 10h, Tuesday 10h, Wednesday 08-10.
    assert result.resolution == datetime(2026, 3, 11, 10, tzinfo=NY)


def test_business_hours_p3_over_thanksgiving_and_extra_day(config, calendar):
    result = due(config, calendar, ny(2026, 11, 25, 10), "P3")
    # 24h: Wednesday 8h; Thursday (Thanksgiving) and Friday (extra) closed; Monday 10h;
    # Tuesday 08-14.
    assert result.first_response == ny(2026, 12, 1, 14)
    # 1w = 5 working days (it was 168 working hours before #24): Mon 30, Tue 1, Wed 2,
    # Thu 3, Fri 4 December, at the time of day the ticket was opened.
    assert result.resolution == ny(2026, 12, 4, 10)


def test_business_hours_category_override(config, calendar):
    result = due(config, calendar, ny(2026, 11, 13, 17, 45), "P2", "Account compromise")
    # 30m: 15 minutes on Friday, 15 on Monday morning.
    assert result.first_response == ny(2026, 11, 16, 8, 15)


def test_due_times_are_utc(config, calendar):
    for priority in ("P0", "P1", "P2", "P3"):
        result = due(config, calendar, datetime(2026, 11, 10, 10, tzinfo=NY), priority)
        assert result.first_response.tzinfo is UTC and result.resolution.tzinfo is UTC
        assert result.first_response <= result.resolution


def test_naive_created_at_is_refused(config, calendar):
    for priority in ("P1", "P2"):
        with pytest.raises(ValueError, match="naive"):
            due(config, calendar, datetime(2026, 11, 10, 10), priority)


# --------------------------------------------------------------------- warn_at


def test_warn_at_around_the_clock(calendar):
    created = ny(2026, 11, 14, 10)
    assert warn_at(created, created + H, 0.75, business_hours=False,
                   calendar=calendar) == created + 45 * M
    assert warn_at(created, created + 15 * M, 0.75, business_hours=False,
                   calendar=calendar) == created + timedelta(minutes=11, seconds=15)


def test_warn_at_in_working_time(config, calendar):
    created = datetime(2026, 3, 6, 16, tzinfo=NY)
    due_at = due(config, calendar, created, "P2").first_response
    # 3 of the 4 working hours: Friday 16-18 and Monday 08-09, not Saturday night.
    assert warn_at(created, due_at, 0.75, business_hours=True,
                   calendar=calendar) == datetime(2026, 3, 9, 9, tzinfo=NY)


def test_warn_at_ends(calendar):
    created, due_at = ny(2026, 11, 14, 10), ny(2026, 11, 16, 12)  # Saturday -> Monday noon
    assert warn_at(created, due_at, 1, business_hours=True, calendar=calendar) == due_at
    assert warn_at(created, due_at, 0.5, business_hours=True,
                   calendar=calendar) == ny(2026, 11, 16, 10)
    with pytest.raises(ValueError):
        warn_at(created, due_at, 1.5, business_hours=False, calendar=calendar)


# --------------------------------------------------------------------- format_remaining

NOW = datetime(2026, 11, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize(("delta", "text"), [
    (45 * M, "due in 45m"),
    (2 * H + 10 * M, "due in 2h 10m"),
    (timedelta(minutes=44, seconds=40), "due in 45m"),
    (timedelta(minutes=45, seconds=20), "due in 45m"),
    (timedelta(seconds=30), "due in 1m"),
    (timedelta(seconds=29), "due now"),
    (timedelta(0), "due now"),
    (-timedelta(seconds=20), "due now"),
    (-5 * M, "overdue by 5m"),
    (-timedelta(minutes=4, seconds=31), "overdue by 5m"),
    (-(H + 5 * M), "overdue by 1h 5m"),
    (timedelta(days=1, hours=2), "due in 1d 2h"),
])
def test_format_remaining(delta, text):
    assert format_remaining(NOW, NOW + delta) == text


def test_format_remaining_accepts_mixed_zones():
    assert format_remaining(NOW, NOW.astimezone(NY) + 45 * M) == "due in 45m"
