"""Buckets of durations and local days for the daily stats rollups (#23), pure."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from workflows.reports.buckets import (
    MAX_BUCKET,
    add_histogram,
    bucket_of,
    dump_histogram,
    histogram,
    locate,
    pack,
    rank_of,
    unpack,
)
from workflows.reports.days import day_bounds, day_of, full_days, runs, uncovered

NEW_YORK = ZoneInfo("America/New_York")


def test_a_larger_duration_never_falls_in_an_earlier_bucket() -> None:
    values = sorted([-5, 0, 1, 2, 3, 59, 60, 61, 3599, 3600, 86_400, 2**31 + 7] +
                    [random.Random(1).randint(0, 10**7) for _ in range(2000)])
    buckets = [bucket_of(v) for v in values]
    assert buckets == sorted(buckets)
    assert all(0 <= b < MAX_BUCKET for b in buckets)


def test_the_rank_found_through_the_buckets_is_the_nearest_rank() -> None:
    rng = random.Random(7)
    for n in (1, 2, 3, 10, 99, 1000):
        values = [rng.randint(-3, 500_000) for _ in range(n)]
        counts = [0] * MAX_BUCKET
        add_histogram(counts, dump_histogram(histogram(values)))
        for percent in (50, 90):
            bucket, within = locate(counts, rank_of(n, percent))
            pool = sorted(unpack(pack(v for v in values if bucket_of(v) == bucket)))
            assert pool[within - 1] == sorted(values)[(n * percent + 99) // 100 - 1]


def test_local_days_across_the_end_of_daylight_saving_time() -> None:
    start, end = day_bounds(date(2026, 11, 1), NEW_YORK)
    assert end - start == timedelta(hours=25)
    assert start == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert day_of(end - timedelta(microseconds=1), NEW_YORK) == date(2026, 11, 1)
    assert day_of(end, NEW_YORK) == date(2026, 11, 2)


def test_the_complete_days_of_a_period_and_what_they_leave() -> None:
    since = datetime(2026, 11, 3, 17, 30, tzinfo=UTC)    # mid-day in New York
    until = datetime(2026, 11, 9, 2, 0, tzinfo=UTC)      # Nov 8, 21:00 in New York
    assert full_days(since, until, NEW_YORK) == (date(2026, 11, 4), date(2026, 11, 7))
    assert full_days(since, since + timedelta(hours=20), NEW_YORK) is None
    covered = runs([date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 7)])
    assert covered == [(date(2026, 11, 4), date(2026, 11, 5)), (date(2026, 11, 7), date(2026, 11, 7))]
    assert uncovered(since, until, covered, NEW_YORK) == [
        (since, day_bounds(date(2026, 11, 4), NEW_YORK)[0]),
        day_bounds(date(2026, 11, 6), NEW_YORK),
        (day_bounds(date(2026, 11, 8), NEW_YORK)[0], until),
    ]
    midnight = day_bounds(date(2026, 11, 4), NEW_YORK)[0]
    assert full_days(midnight, until, NEW_YORK) == (date(2026, 11, 4), date(2026, 11, 7))
