"""Durations as app.yaml writes them."""

from datetime import timedelta

import pytest

from workflows.policy.durations import Target, as_target, format_duration, parse_duration, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        (" 24h ", timedelta(hours=24)),
        ("15M", timedelta(minutes=15)),
    ],
)
def test_parses_compact_durations(text, expected):
    assert parse_duration(text) == expected


def test_accepts_a_positive_timedelta():
    assert parse_duration(timedelta(minutes=5)) == timedelta(minutes=5)


@pytest.mark.parametrize(
    "value",
    [None, True, False, 90, 1.5, 0, "", "0s", "-5m", "1 hour", "1:30", "90", "1mo", "1y",
     "30m 1h", "abc", timedelta(0), timedelta(minutes=-1), [], {}],
)
def test_rejects_everything_else(value):
    with pytest.raises(ValueError) as info:
        parse_duration(value)
    assert str(info.value) == f"{value!r} is not a duration (use 30s, 15m, 4h, 2d, 1w)"


def test_message_names_the_value():
    expected = r"^'1 hour' is not a duration \(use 30s, 15m, 4h, 2d, 1w\)$"
    with pytest.raises(ValueError, match=expected):
        parse_duration("1 hour")
    # PyYAML reads an unquoted 1:30 as the integer 90: say so plainly, don't guess.
    with pytest.raises(ValueError, match=r"^90 is not a duration"):
        parse_duration(90)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=1, minutes=30), "1h 30m"),
        (timedelta(days=2), "2d"),
        (timedelta(weeks=1), "1w"),
        (timedelta(days=9, hours=3), "1w 2d 3h"),
        (timedelta(hours=1, seconds=5), "1h 5s"),
        (timedelta(0), "0s"),
        (timedelta(milliseconds=300), "0s"),
        (timedelta(minutes=-5), "-5m"),
    ],
)
def test_formats_compactly(td, text):
    assert format_duration(td) == text


@pytest.mark.parametrize("text", ["30s", "15m", "1h 30m", "2d", "1w 2d 3h", "1w 1d 1h 1m 1s"])
def test_format_and_parse_round_trip(text):
    assert format_duration(parse_duration(text)) == text


# ------------------------------------------------------------------ SLA targets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1w", Target(weeks=1)),
        ("2d", Target(days=2)),
        ("24h", Target(time=timedelta(hours=24))),
        ("1d4h", Target(days=1, time=timedelta(hours=4))),
        ("1w 2d 3h 30m", Target(weeks=1, days=2, time=timedelta(hours=3, minutes=30))),
        ("1.5h", Target(time=timedelta(minutes=90))),
        (" 15M ", Target(time=timedelta(minutes=15))),
    ],
)
def test_targets_keep_days_and_weeks_apart_from_time(text, expected):
    target = parse_target(text)
    assert target == expected
    assert target.around_the_clock == parse_duration(text)  # around the clock: what a duration means


def test_a_target_reads_as_written():
    assert str(parse_target("24h")) == "24h"          # not "1d": that would be a working day
    assert str(parse_target("1d4h")) == "1d 4h"
    assert str(parse_target("90m")) == "1h 30m"
    assert format_duration(parse_target("2w 1d")) == "2w 1d"
    assert parse_target("1w").working_days(5) == 5 and parse_target("2w 1d").working_days(4) == 9
    assert parse_target("1w").total_seconds() == timedelta(weeks=1).total_seconds()


def test_targets_from_python_values():
    assert parse_target(timedelta(hours=2)) == Target(time=timedelta(hours=2))
    assert parse_target(Target(days=1)) == Target(days=1)
    assert as_target(timedelta(hours=24)) == Target(time=timedelta(hours=24))


@pytest.mark.parametrize("value", [None, 90, "", "0s", "-5m", "1 hour", "30m 1h", timedelta(0), Target()])
def test_a_target_refuses_what_a_duration_refuses(value):
    with pytest.raises(ValueError) as info:
        parse_target(value)
    assert str(info.value) == f"{value!r} is not a duration (use 30s, 15m, 4h, 2d, 1w)"


@pytest.mark.parametrize("text", ["1.5d", "0.5w", "1.0d 2h"])
def test_a_target_has_whole_days_and_weeks(text):
    with pytest.raises(ValueError) as info:
        parse_target(text)
    assert str(info.value) == f"{text!r}: weeks and days are whole numbers in a target (e.g. 1d 12h instead of 1.5d)"
