"""The time in triage of a period from the daily rollups, exactly as
``models.lifecycle_queries.time_in_triage`` gives it.

    waited = await rolled_time_in_triage(db, since=t0, until=t1, team_id="T1", zone=zone)
    # Percentiles, or None when no built day can be used (then the caller reads directly)

A built day holds, per workspace, the durations (opening to first triage) of the tickets
whose first triage fell on it (``workflows/reports/rollups.py``: metric ``triage``, bucketed
as the other durations). A new triage row can only change the days from its own on (it may
become a ticket's first triage, taking it from a later day), so a day is used when it is
built, not stale, and no triage row newer than the state's checkpoint falls on it or
before it; the rest of ``[since, until)`` is read directly.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.lifecycle_queries import first_triage_waits
from models.metrics_queries import Percentiles
from models.stats_rollup_queries import bucket_values, day_rows, events_after, histograms, read_state
from models.tickets import TicketEventKind
from workflows.reports.buckets import MAX_BUCKET, add_histogram, bucket_of, locate, rank_of, unpack
from workflows.reports.days import day_bounds, day_of, full_days, runs, uncovered

__all__ = ["NO_PRIORITY", "TRIAGE", "rolled_time_in_triage"]

TRIAGE, NO_PRIORITY = "triage", ""
PERCENTS = (50, 90)


async def rolled_time_in_triage(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None,
                                zone: ZoneInfo) -> Percentiles | None:
    span = full_days(since, until, zone)
    if span is None:
        return None
    first, last = span
    checkpoint, _generation = await read_state(db)  # before the days: a later build only adds
    last_end = day_bounds(last, zone)[1]
    changed_from: date | None = None
    for _created, kind, at in await events_after(db, checkpoint):
        if kind == TicketEventKind.TRIAGED.value and at < last_end:
            changed_from = min(changed_from or last, day_of(at, zone))
    built = await day_rows(db, zone.key, first, last)
    used = runs(d for d, row in built.items() if not row.stale and (changed_from is None or d < changed_from))
    if not used:
        return None
    direct: list[int] = []
    for start, end in uncovered(since, until, used, zone):
        direct += [wait for _team, wait in await first_triage_waits(db, since=start, until=end, team_id=team_id)]
    counts = [0] * MAX_BUCKET
    for _priority, _metric, packed in await histograms(db, zone.key, used, team_id, [TRIAGE]):
        add_histogram(counts, packed)
    rolled = list(counts)
    for wait in direct:
        counts[bucket_of(wait)] += 1
    n = sum(counts)
    if n == 0:
        return Percentiles(0, None, None)
    located = [locate(counts, rank_of(n, percent)) for percent in PERCENTS]
    wanted = [(NO_PRIORITY, TRIAGE, bucket) for bucket, _within in located if rolled[bucket]]
    values: dict[int, list[int]] = {}
    for _priority, _metric, bucket, packed in await bucket_values(db, zone.key, used, team_id, wanted):
        values.setdefault(bucket, []).extend(unpack(packed))
    picked = []
    for bucket, within in located:
        pool = sorted(values.get(bucket, []) + [wait for wait in direct if bucket_of(wait) == bucket])
        picked.append(pool[within - 1])
    return Percentiles(n, picked[0], picked[1])
