"""Durations as app.yaml writes them."""

from datetime import timedelta

import pytest

from workflows.policy.durations import format_duration, parse_duration


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
