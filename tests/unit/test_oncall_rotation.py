"""Rotation arithmetic: weekly hand-overs in the team's wall-clock time, and PagerDuty's
/oncalls entries read as primary, secondary and next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.policy.loader import parse_config
from tests.policies import example_policy_data
from tests.fakes.pagerduty import oncall_entry
from workflows.paging.shifts import Person, next_shift, pagerduty_answer, who_is_on_call


def config_with(rotation: dict, timezone: str = "America/New_York"):
    data = example_policy_data()
    data["timezone"] = timezone
    data["oncall"]["rotation"] = rotation
    return parse_config(data)


WEEKLY = {"start": "2026-11-23T09:00:00-05:00", "every": "1w", "primary": ["U0A", "U0B", "U0C"],
          "secondary": ["U0X", "U0Y"]}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_turn_passes_at_the_weekly_boundary():
    config = config_with(WEEKLY)
    before = who_is_on_call(config, utc(2026, 11, 30, 13, 59, 59))
    after = who_is_on_call(config, utc(2026, 11, 30, 14, 0, 0))
    assert (before.primary, before.secondary) == ("U0A", "U0X")
    assert (after.primary, after.secondary) == ("U0B", "U0Y")
    assert before.until == after.since == utc(2026, 11, 30, 14)
    assert after.until == utc(2026, 12, 7, 14)


def test_lists_wrap_round_independently():
    config = config_with(WEEKLY)
    shifts = [who_is_on_call(config, utc(2026, 11, 24) + timedelta(weeks=n)) for n in range(6)]
    assert [s.primary for s in shifts] == ["U0A", "U0B", "U0C", "U0A", "U0B", "U0C"]
    assert [s.secondary for s in shifts] == ["U0X", "U0Y", "U0X", "U0Y", "U0X", "U0Y"]


def test_before_the_start_the_turns_count_backwards():
    config = config_with(WEEKLY)
    shift = who_is_on_call(config, utc(2026, 11, 20))
    assert shift.primary == "U0C" and shift.since == utc(2026, 11, 16, 14) and shift.until == utc(2026, 11, 23, 14)


def test_the_hand_over_keeps_its_local_time_across_daylight_saving():
    # 2026-11-01: New York goes from EDT (-4) to EST (-5).
    config = config_with({**WEEKLY, "start": "2026-10-26T09:00:00-04:00"})
    shift = who_is_on_call(config, utc(2026, 10, 30))
    assert shift.since == utc(2026, 10, 26, 13) and shift.until == utc(2026, 11, 2, 14)
    assert who_is_on_call(config, utc(2026, 11, 2, 13, 30)).primary == "U0A"  # 08:30 EST: still A
    assert who_is_on_call(config, utc(2026, 11, 2, 14)).primary == "U0B"


def test_next_shift_and_no_secondary():
    config = config_with({"start": "2026-11-23T00:00:00Z", "every": "12h", "primary": ["U0A", "U0B"]}, "UTC")
    now = who_is_on_call(config, utc(2026, 11, 23, 13))
    nxt = next_shift(config, utc(2026, 11, 23, 13))
    assert (now.primary, now.secondary, now.since) == ("U0B", None, utc(2026, 11, 23, 12))
    assert (nxt.primary, nxt.since, nxt.until) == ("U0A", utc(2026, 11, 24), utc(2026, 11, 24, 12))


@pytest.mark.parametrize("at", [utc(2026, 11, 23, 14), utc(2027, 3, 8, 13), utc(2027, 3, 15, 13, 30), utc(2030, 1, 1)])
def test_a_shift_always_covers_the_moment_asked(at):
    config = config_with(WEEKLY)
    shift = who_is_on_call(config, at)
    assert shift.since <= at < shift.until
    assert next_shift(config, at).since == shift.until


def test_pagerduty_entries_become_primary_secondary_and_next():
    now = utc(2026, 11, 25, 15)
    end = utc(2026, 11, 27, 14)
    answer = pagerduty_answer([
        oncall_entry("Ana", level=1, start=now - timedelta(days=1), end=end),
        oncall_entry("Ben", level=2, start=None, end=None),
        oncall_entry("Cy", level=1, start=end, end=end + timedelta(weeks=1)),
        oncall_entry("Dee", level=3, start=None, end=None),
    ], now)
    assert answer is not None and answer.source == "pagerduty"
    assert answer.now.primary == Person(name="Ana") and answer.now.secondary == Person(name="Ben")
    assert answer.now.until == end
    assert answer.next is not None and answer.next.primary == Person(name="Cy") and answer.next.since == end
    assert pagerduty_answer([], now) is None
