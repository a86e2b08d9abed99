"""The period's ticket figures from the daily rollups, exactly as the direct queries give them.

    found = await rolled_cohort(db, scope=scope, zone=zone, upper=["tier3", "tier4"])
    if found is not None:
        cohort, resolved = found       # metrics_queries.CohortStats, Volume.resolved

For a workspace's whole desk (no tier or category filter; those are read directly), a
period ``[since, until)`` is its complete local days (the rollups of
``workflows/reports/rollups.py``) and the partial days at its edges. A built day is used
when nothing changed its tickets since it was built (no newer timeline row: the state's
checkpoint, and the rows above it read here), it is of the current generation and
policy, and it was built no later than ``until``. Then:

- tickets opened in the period: the used days' sums, plus, read directly with the same
  column expressions (``models.cohort_rows``), the tickets opened outside the used days
  and the used days' pending tickets; plus the used days' running SLA clocks due before
  ``until`` (``stats_rollup_flips``: counted, not met);
- percentiles: the used days' histograms plus the direct durations locate the bucket of
  each rank, whose exact values are then read (``workflows/reports/buckets.py``);
- resolved in the period: see ``models.resolution_days``.

``tests/integration/test_stats_rollups.py`` holds every figure equal to the direct
queries' on seeded data (reopens, escalations, periods starting mid-day in the policy's
zone, days built before later changes), on SQLite and Postgres.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.cohort_rows import COUNT_FIELDS, CohortTally, TeamTally, cohort_rows, durations_of
from models.metrics_queries import CohortCounts, CohortStats, Percentiles, TicketScope, _narrowing
from models.resolution_days import created_between, next_resolutions, resolved_between
from models.stats_rollup_queries import (
    Runs,
    bucket_values,
    count_sums,
    day_rows,
    events_after,
    flip_sums,
    histograms,
    pending_ids,
    read_state,
)
from models.tickets import Ticket, TicketEventKind
from workflows.reports.buckets import MAX_BUCKET, add_histogram, bucket_of, locate, rank_of, unpack
from workflows.reports.days import day_bounds, day_of, full_days, policy_key, runs, uncovered

__all__ = ["rolled_cohort"]

METRICS = ("first_response", "resolution")
PERCENTS = (50, 90)


async def rolled_cohort(db: AsyncSession, *, scope: TicketScope, zone: ZoneInfo,
                        upper: Sequence[str]) -> tuple[CohortStats, int] | None:
    """(the cohort's figures, tickets resolved in the period); None when no built day can
    be used (then the caller reads everything directly)."""
    if scope.tier is not None or scope.category is not None or getattr(scope, "customer", None) is not None:
        return None  # the rollups hold the whole desk's figures only
    span = full_days(scope.since, scope.until, zone)
    if span is None:
        return None
    first, last = span
    checkpoint, generation = await read_state(db)  # before the days: a later build only adds
    last_end = day_bounds(last, zone)[1]
    unsafe: set[date] = set()
    resolutions_from: date | None = None
    for created, kind, at in await events_after(db, checkpoint):
        unsafe.add(day_of(created, zone))
        if kind == TicketEventKind.RESOLVED.value and at < last_end:
            resolutions_from = min(resolutions_from or last, day_of(at, zone))
    built = await day_rows(db, zone.key, first, last)
    key = policy_key(upper)
    cohort_days = [d for d, row in built.items() if not row.stale and row.generation == generation
                   and row.policy_key == key and row.as_of <= scope.until and d not in unsafe]
    resolution_days = [d for d, row in built.items()
                       if not row.stale and (resolutions_from is None or d < resolutions_from)]
    if not cohort_days and not resolution_days:
        return None
    cohort_runs, resolution_runs = runs(cohort_days), runs(resolution_days)
    sums = await count_sums(db, zone.key, cohort_runs, scope.team_id)
    cohort = await _cohort(db, scope, zone, upper, cohort_runs, sums)
    if resolution_runs != cohort_runs:
        sums = await count_sums(db, zone.key, resolution_runs, scope.team_id)
    resolved = await _resolved(db, scope, zone, resolution_runs, first, last, sums)
    return cohort, resolved


async def _cohort(db: AsyncSession, scope: TicketScope, zone: ZoneInfo, upper: Sequence[str], used: Runs,
                  sums: list[tuple[str, str, str, int]]) -> CohortStats:
    narrowing = _narrowing(scope)
    direct = CohortTally()
    for start, end in uncovered(scope.since, scope.until, used, zone):
        direct.add(await cohort_rows(db, [created_between(start, end), *narrowing], until=scope.until,
                                     upper_tiers=upper))
    if used:
        direct.add(await cohort_rows(db, [Ticket.id.in_(pending_ids(zone.key, used)), *narrowing],
                                     until=scope.until, upper_tiers=upper))
    mine = direct.total()
    counts = {priority: list(values) for priority, values in mine.counts.items()}
    categories: Counter[str] = Counter(mine.categories)
    for dimension, value, metric, n in sums:
        if dimension == "priority" and metric in COUNT_FIELDS:
            counts.setdefault(value, [0] * len(COUNT_FIELDS))[COUNT_FIELDS.index(metric)] += n
        elif dimension == "category" and metric == "created":
            categories[value] += n
    for priority, metric, n in await flip_sums(db, zone.key, used, scope.team_id, scope.until):
        counts.setdefault(priority, [0] * len(COUNT_FIELDS))[COUNT_FIELDS.index(metric)] += n
    first, resolution = await _percentiles(db, zone, used, scope.team_id, mine)
    return CohortStats(
        counts={priority: CohortCounts(*values) for priority, values in counts.items() if values[0]},
        first_response=first, resolution=resolution,
        categories=sorted(((c, n) for c, n in categories.items() if n), key=lambda item: (-item[1], item[0])),
    )


async def _percentiles(db: AsyncSession, zone: ZoneInfo, used: Runs, team_id: str | None,
                       direct: TeamTally) -> tuple[dict[str | None, Percentiles], dict[str | None, Percentiles]]:
    """Nearest-rank median and 90th percentile per priority and over all (key None), of
    the used days' durations and the direct ones, per metric."""
    rolled: dict[tuple[str, str], list[int]] = {}
    for priority, metric, packed in await histograms(db, zone.key, used, team_id, METRICS):
        add_histogram(rolled.setdefault((metric, priority), [0] * MAX_BUCKET), packed)
    hists = {key: list(counts) for key, counts in rolled.items()}
    for metric in METRICS:
        for priority, values in durations_of(direct, metric).items():
            counts = hists.setdefault((metric, priority), [0] * MAX_BUCKET)
            for value in values:
                counts[bucket_of(value)] += 1
    # Which rank of which group falls in which bucket, and the buckets to read.
    groups: dict[tuple[str, str | None], list[str]] = {}
    for metric, priority in hists:
        groups[(metric, priority)] = [priority]
        groups.setdefault((metric, None), []).append(priority)
    located: dict[tuple[str, str | None, int], tuple[int, int, int]] = {}
    wanted: set[tuple[str, str, int]] = set()
    for (metric, group), priorities in groups.items():
        counts = [sum(column) for column in zip(*(hists[(metric, p)] for p in priorities), strict=True)]
        n = sum(counts)
        for percent in PERCENTS if n else ():
            bucket, within = locate(counts, rank_of(n, percent))
            located[(metric, group, percent)] = (bucket, within, n)
            wanted.update((p, metric, bucket) for p in priorities if rolled.get((metric, p), [0] * MAX_BUCKET)[bucket])
    values: dict[tuple[str, str, int], list[int]] = {}
    for priority, metric, bucket, packed in await bucket_values(db, zone.key, used, team_id, wanted):
        values.setdefault((priority, metric, bucket), []).extend(unpack(packed))
    out: dict[str, dict[str | None, Percentiles]] = {metric: {} for metric in METRICS}
    for (metric, group), priorities in groups.items():
        if (metric, group, PERCENTS[0]) not in located:
            continue
        mine = durations_of(direct, metric)
        picked = []
        for percent in PERCENTS:
            bucket, within, n = located[(metric, group, percent)]
            pool = [v for p in priorities for v in values.get((p, metric, bucket), ())]
            pool += [v for p in priorities for v in mine.get(p, ()) if bucket_of(v) == bucket]
            pool.sort()
            picked.append(pool[within - 1])
        out[metric][group] = Percentiles(n, picked[0], picked[1])
    return out["first_response"], out["resolution"]


async def _resolved(db: AsyncSession, scope: TicketScope, zone: ZoneInfo, used: Runs, first: date,
                    last: date, sums: list[tuple[str, str, str, int]]) -> int:
    """Tickets with a resolution in the period, each once (``models.resolution_days``)."""
    start = day_bounds(first, zone)[0]
    last_end = day_bounds(last, zone)[1]
    since_day = day_of(scope.since, zone).isoformat()
    partial = scope.since < start  # the period starts mid-day: [since, start) is read directly
    total = await resolved_between(db, scope.since, start, team_id=scope.team_id) if partial else 0
    for dimension, value, _metric, n in sums:
        if dimension != "resolved_after":
            continue
        if value == "" or value < since_day or (partial and value == since_day):
            total += n
    if partial and used:  # counted on a used day, but resolved in [since, start) already
        days = {first_day for a, b in used for first_day in _days(a, b)}
        total -= sum(1 for at in await next_resolutions(db, scope.since, start, after=start, before=last_end,
                                                         team_id=scope.team_id) if day_of(at, zone) in days)
    for a, b in uncovered(start, scope.until, used, zone):
        total += await resolved_between(db, a, b, team_id=scope.team_id, not_since=scope.since)
    return total


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
