"""Builds the daily stats rollups (``models.stats_rollups``), a claimed job.

    outcome = await refresh_stats_rollups(deps=deps, owner="host:pid")   # every few seconds

One builder at a time across replicas (a lease on the state row). A run:

1. accounts for the timeline rows written since the last run (ids above the
   checkpoint, up to the high-water mark every lower id of which is committed): the
   creation day of each of their tickets is marked stale, and for a resolution stamped
   before today (a clock far off), every day from its own on;
2. builds the complete past days of the reports' time zone (newest first, back to the
   first ticket or ``HORIZON``) that are missing, stale, of an older generation or
   policy, or whose pending tickets may have settled since (``ripe_at``), until its
   time budget is spent (the next run goes on).

A day's rows are what ``models.metrics_queries`` gives for the tickets created that day
as of the build (``as_of``), less its *pending* tickets (a figure of theirs may still
change by the clock alone: ``models.stats_rollup_queries.clock_dependent``), which
every query reads directly, except those whose only such figure is a running SLA clock
(kept in the rows as of the build, their due times stored as flips each query counts);
and its resolutions by the day of each ticket's previous one (``models.resolution_days``),
and the time in triage of the tickets first triaged on it (``rolled_triage.py``). Every change to a ticket writes a timeline row
(``models.ticket_queries.add_ticket_event``), which is how a built day learns it is
stale; the one change that does not, re-targeting open tickets' due times on a policy
reload, calls :func:`invalidate_stats_rollups`, and every day is rebuilt.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from models.db_errors import is_transient
from models.lifecycle_queries import first_triage_waits
from models.cohort_rows import COUNT_FIELDS, CohortTally, cohort_rows
from models.resolution_days import created_between, first_resolutions
from models.stats_rollup_queries import (
    advance_checkpoint,
    any_day,
    bump_generation,
    claim_builder,
    clock_dependent,
    day_rows,
    events_after,
    high_water,
    mark_stale,
    read_state,
    release_builder,
    write_day,
)
from models.tickets import Ticket, TicketEventKind
from workflows.deps import Deps
from workflows.reports.buckets import bucket_of, dump_histogram, histogram, pack
from workflows.reports.days import day_bounds, day_of, policy_key
from workflows.reports.metrics import report_zone, upper_tiers
from workflows.reports.rolled_triage import NO_PRIORITY, TRIAGE

__all__ = ["HORIZON", "RefreshOutcome", "build_day", "duration_rows", "invalidate_stats_rollups",
           "refresh_stats_rollups"]

log = logging.getLogger(__name__)

#: Days older than this are not rolled up (`/ticket stats` reads at most 366 days).
HORIZON = timedelta(days=400)
LEASE = timedelta(minutes=2)
#: A day whose pending tickets may have settled is rebuilt at most this often.
RIPE_EVERY = timedelta(minutes=10)
BUDGET = timedelta(seconds=5)
METRICS = ("first_response", "resolution")
#: Rows that change the days from their own on: the resolutions (``resolved_after``) and the
#: triages (a ticket's first triage, on the day of the earliest).
BACKDATING = (TicketEventKind.RESOLVED.value, TicketEventKind.TRIAGED.value)


@dataclass
class RefreshOutcome:
    claimed: bool = False
    marked: int = 0     # days marked stale by new timeline rows
    built: int = 0
    remaining: int = 0  # days still to build when the budget ran out


async def invalidate_stats_rollups(*, deps: Deps) -> None:
    """Every built day is rebuilt before it is used again (tickets changed without a timeline row)."""
    async with deps.sessions.begin() as db:
        await bump_generation(db)


async def refresh_stats_rollups(*, deps: Deps, owner: str, budget: timedelta = BUDGET) -> RefreshOutcome:
    """One run of the builder (see the module docstring)."""
    outcome = RefreshOutcome()
    zone = report_zone(deps.config)
    async with deps.sessions.begin() as db:
        outcome.claimed = await claim_builder(db, owner, deps.clock(), LEASE)
    if not outcome.claimed:
        return outcome
    try:
        outcome.marked = await _account_for_new_rows(deps, zone)
        todo = await _days_to_build(deps, zone)
        started = time.monotonic()
        for index, day in enumerate(todo):
            if time.monotonic() - started > budget.total_seconds():
                outcome.remaining = len(todo) - index
                break
            await build_day(deps, day)
            outcome.built += 1
            async with deps.sessions.begin() as db:
                await claim_builder(db, owner, deps.clock(), LEASE)
    finally:
        async with deps.sessions.begin() as db:
            await release_builder(db, owner)
    return outcome


async def _account_for_new_rows(deps: Deps, zone) -> int:  # noqa: ANN001 - ZoneInfo
    try:
        async with deps.sessions.begin() as db:
            high = await high_water(db)
    except Exception as error:  # writers in flight too long: the next run accounts for them
        if not is_transient(error):
            raise
        log.info("stats rollups: timeline busy, new rows accounted for next run")
        return 0
    async with deps.sessions.begin() as db:
        checkpoint, _generation = await read_state(db)
        if high <= checkpoint:
            return 0
        if not await any_day(db, zone.key):  # nothing built yet, nothing to mark: every row is seen by the builds
            await advance_checkpoint(db, high)
            return 0
        today = day_of(deps.clock(), zone)
        days: set[date] = set()
        backdated: date | None = None
        for created, kind, at in await events_after(db, checkpoint, high):
            days.add(day_of(created, zone))
            if kind in BACKDATING and day_of(at, zone) < today:
                backdated = min(backdated or today, day_of(at, zone))
        if backdated is not None:
            days.update(backdated + timedelta(days=n) for n in range((today - backdated).days))
        await mark_stale(db, zone.key, days)
        await advance_checkpoint(db, high)
    return len(days)


async def _days_to_build(deps: Deps, zone) -> list[date]:  # noqa: ANN001 - ZoneInfo
    now = deps.clock()
    today = day_of(now, zone)
    key = policy_key(upper_tiers(deps.config))
    async with deps.sessions() as db:
        earliest = (await db.execute(select(func.min(Ticket.created_at)))).scalar_one_or_none()
        if earliest is None:
            return []
        first = max(day_of(earliest, zone), day_of(now - HORIZON, zone))
        _checkpoint, generation = await read_state(db)
        built = await day_rows(db, zone.key, first, today - timedelta(days=1))
    todo = []
    for n in range(1, (today - first).days + 1):
        day = today - timedelta(days=n)
        row = built.get(day)
        if (row is None or row.stale or row.generation != generation or row.policy_key != key
                or (row.ripe_at is not None and row.ripe_at <= now and row.as_of <= now - RIPE_EVERY)):
            todo.append(day)
    return todo


async def build_day(deps: Deps, day: date) -> None:
    """Compute and store one local day's rollup (its own transaction)."""
    zone = report_zone(deps.config)
    upper = upper_tiers(deps.config)
    start, end = day_bounds(day, zone)
    async with deps.sessions.begin() as db:
        _checkpoint, generation = await read_state(db)  # first: a later bump makes this build unusable
        as_of = deps.clock()
        pending, flips = await clock_dependent(db, start, end, as_of)
        direct = sorted(set(pending) - {flip["ticket_id"] for flip in flips})  # read at every query
        where = [created_between(start, end)]
        if direct:
            where.append(Ticket.id.not_in(direct))
        tally = CohortTally()
        tally.add(await cohort_rows(db, where, until=as_of, upper_tiers=upper))
        counts, durations = _rows(tally)
        waits: dict[str, list[int]] = {}
        for team_id, wait in await first_triage_waits(db, since=start, until=end):
            waits.setdefault(team_id, []).append(wait)
        for team_id, values in waits.items():
            durations += duration_rows(team_id, NO_PRIORITY, TRIAGE, values)
        for team_id, previous in await first_resolutions(db, start, end):
            after = "" if previous is None else day_of(previous, zone).isoformat()
            counts[(team_id, "resolved_after", after, "tickets")] = counts.get(
                (team_id, "resolved_after", after, "tickets"), 0) + 1
        await write_day(db, zone=zone.key, day=day, as_of=as_of, generation=generation, policy_key=policy_key(upper),
                        ripe_at=min(pending.values(), default=None),
                        counts=[{"team_id": t, "dimension": d, "value": v, "metric": m, "n": n}
                                for (t, d, v, m), n in counts.items() if n],
                        durations=durations, pending=direct, flips=flips)


def _rows(tally: CohortTally) -> tuple[dict[tuple[str, str, str, str], int], list[dict]]:
    counts: dict[tuple[str, str, str, str], int] = {}
    durations: list[dict] = []
    for team_id, team in tally.teams.items():
        for priority, values in team.counts.items():
            for metric, n in zip(COUNT_FIELDS, values, strict=True):
                counts[(team_id, "priority", priority, metric)] = n
        for category, n in team.categories.items():
            counts[(team_id, "category", category, "created")] = n
        for metric, by_priority in (("first_response", team.first_response), ("resolution", team.resolution)):
            for priority, values in by_priority.items():
                durations += duration_rows(team_id, priority, metric, values)
    return counts, durations


def duration_rows(team_id: str, priority: str, metric: str, values: list[int]) -> list[dict]:
    """The histogram row (bucket -1) and one row per bucket of exact values."""
    rows = [{"team_id": team_id, "priority": priority, "metric": metric, "bucket": -1,
             "n": len(values), "seconds": dump_histogram(histogram(values))}]
    by_bucket: dict[int, list[int]] = {}
    for value in values:
        by_bucket.setdefault(bucket_of(value), []).append(value)
    return rows + [{"team_id": team_id, "priority": priority, "metric": metric, "bucket": bucket,
                    "n": len(found), "seconds": pack(found)} for bucket, found in by_bucket.items()]
