"""The statements of the daily stats rollups (``models.stats_rollups``): the builder's
lease and checkpoint, writing a day, and the sums a query reads.

Days are local dates of the reports' zone; a set of days is passed as runs of
consecutive days (``[(first, last), ...]``), which become a few ``BETWEEN`` ranges of
the tables' leading ``(zone, day)`` key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_name, insert_ignore
from models.stats_rollups import (
    StatsRollupCount,
    StatsRollupDay,
    StatsRollupDuration,
    StatsRollupFlip,
    StatsRollupPending,
    StatsRollupState,
)
from models.tickets import Ticket, TicketEvent

Runs = Sequence[tuple[date, date]]

__all__ = [
    "Runs", "advance_checkpoint", "any_day", "bucket_values", "bump_generation", "claim_builder", "count_sums", "day_rows",
    "events_after", "flip_sums", "high_water", "histograms", "in_runs", "mark_stale", "pending_ids", "read_state",
    "release_builder", "write_day",
]


def in_runs(column: Any, runs: Runs) -> ColumnElement[bool]:
    return or_(*(column.between(first, last) for first, last in runs))


# -- the builder's state ---------------------------------------------------------------


async def read_state(db: AsyncSession) -> tuple[int, int]:
    """(checkpoint, generation); (0, 0) before the first build."""
    row = (await db.execute(select(StatsRollupState.checkpoint, StatsRollupState.generation)
                            .where(StatsRollupState.id == 1))).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def claim_builder(db: AsyncSession, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take (or renew) the builder's lease; False while another holds it."""
    await insert_ignore(db, StatsRollupState, {"id": 1, "checkpoint": 0, "generation": 0})
    claimed = (await db.execute(
        update(StatsRollupState)
        .where(StatsRollupState.id == 1, or_(StatsRollupState.lease_until.is_(None),
                                             StatsRollupState.lease_until < now,
                                             StatsRollupState.lease_owner == owner))
        .values(lease_until=now + lease, lease_owner=owner)
        .returning(StatsRollupState.id)
        .execution_options(synchronize_session=False))).first()
    return claimed is not None


async def release_builder(db: AsyncSession, owner: str) -> None:
    await db.execute(update(StatsRollupState).where(StatsRollupState.id == 1, StatsRollupState.lease_owner == owner)
                     .values(lease_until=None, lease_owner=None).execution_options(synchronize_session=False))


async def bump_generation(db: AsyncSession) -> None:
    """Every built day becomes unusable until rebuilt (tickets changed without a timeline row)."""
    await insert_ignore(db, StatsRollupState, {"id": 1, "checkpoint": 0, "generation": 0})
    await db.execute(update(StatsRollupState).where(StatsRollupState.id == 1)
                     .values(generation=StatsRollupState.generation + 1)
                     .execution_options(synchronize_session=False))


async def high_water(db: AsyncSession) -> int:
    """The highest timeline row id, once every row with a lower id is committed.

    Postgres hands out ids before commit, so a row with a lower id can still commit after
    a higher one is visible: a SHARE lock on the table waits for the writers in flight
    (and holds new ones for the moment of one ``max``); it waits at most 100 ms (then the
    database raises, and the caller tries again later), so writers queued behind it never
    wait longer. SQLite has one writer at a time. Call at the start of a transaction, and
    commit it at once.
    """
    if dialect_name(db) == "postgresql":
        await db.execute(text("SET LOCAL lock_timeout = '100ms'"))
        await db.execute(text("LOCK TABLE ticket_events IN SHARE MODE"))
    return int((await db.execute(select(func.coalesce(func.max(TicketEvent.id), 0)))).scalar_one())


async def events_after(db: AsyncSession, checkpoint: int, upto: int | None = None) -> list[tuple[datetime, str, datetime]]:
    """(ticket's creation, kind, at) of the timeline rows with ids above ``checkpoint``
    (and at most ``upto``)."""
    stmt = (select(Ticket.created_at, TicketEvent.kind, TicketEvent.at)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id).where(TicketEvent.id > checkpoint))
    if upto is not None:
        stmt = stmt.where(TicketEvent.id <= upto)
    return [(created, str(kind), at) for created, kind, at in (await db.execute(stmt)).all()]


async def mark_stale(db: AsyncSession, zone: str, days: Iterable[date]) -> None:
    wanted = sorted(set(days))
    for start in range(0, len(wanted), 500):
        await db.execute(update(StatsRollupDay)
                         .where(StatsRollupDay.zone == zone, StatsRollupDay.day.in_(wanted[start:start + 500]))
                         .values(stale=True).execution_options(synchronize_session=False))


async def advance_checkpoint(db: AsyncSession, checkpoint: int) -> None:
    await db.execute(update(StatsRollupState).where(StatsRollupState.id == 1, StatsRollupState.checkpoint < checkpoint)
                     .values(checkpoint=checkpoint).execution_options(synchronize_session=False))


# -- days ------------------------------------------------------------------------------


async def any_day(db: AsyncSession, zone: str) -> bool:
    return (await db.execute(select(StatsRollupDay.day).where(StatsRollupDay.zone == zone).limit(1))).first() is not None


async def day_rows(db: AsyncSession, zone: str, first: date, last: date) -> dict[date, StatsRollupDay]:
    stmt = select(StatsRollupDay).where(StatsRollupDay.zone == zone, StatsRollupDay.day.between(first, last))
    return {row.day: row for row in (await db.execute(stmt)).scalars()}


async def write_day(db: AsyncSession, *, zone: str, day: date, as_of: datetime, generation: int, policy_key: str,
                    ripe_at: datetime | None, counts: list[dict[str, Any]], durations: list[dict[str, Any]],
                    pending: Sequence[int], flips: Sequence[dict[str, Any]] = ()) -> None:
    """Replace everything stored for ``day`` (in the caller's transaction)."""
    for model in (StatsRollupCount, StatsRollupDuration, StatsRollupPending, StatsRollupFlip, StatsRollupDay):
        await db.execute(delete(model).where(model.zone == zone, model.day == day)
                         .execution_options(synchronize_session=False))
    for model, rows in ((StatsRollupCount, counts), (StatsRollupDuration, durations),
                        (StatsRollupPending, [{"ticket_id": t} for t in pending]), (StatsRollupFlip, list(flips))):
        if rows:
            await db.execute(insert(model), [{"zone": zone, "day": day, **row} for row in rows])
    await db.execute(insert(StatsRollupDay), [{"zone": zone, "day": day, "as_of": as_of, "generation": generation,
                                               "policy_key": policy_key, "stale": False, "ripe_at": ripe_at}])


# -- reading -----------------------------------------------------------------------------


def _team(model: Any, team_id: str | None) -> list[ColumnElement[bool]]:
    return [] if team_id is None else [model.team_id == team_id]


async def count_sums(db: AsyncSession, zone: str, runs: Runs, team_id: str | None) -> list[tuple[str, str, str, int]]:
    """(dimension, value, metric, sum of n) over the days of ``runs``."""
    if not runs:
        return []
    c = StatsRollupCount
    stmt = (select(c.dimension, c.value, c.metric, func.sum(c.n))
            .where(c.zone == zone, in_runs(c.day, runs), *_team(c, team_id))
            .group_by(c.dimension, c.value, c.metric))
    return [(d, v, m, int(n)) for d, v, m, n in (await db.execute(stmt)).all()]


async def histograms(db: AsyncSession, zone: str, runs: Runs, team_id: str | None,
                     metrics: Sequence[str]) -> list[tuple[str, str, str]]:
    """(priority, metric, histogram JSON) of every day of ``runs``, of ``metrics``."""
    if not runs:
        return []
    d = StatsRollupDuration
    stmt = select(d.priority, d.metric, d.seconds).where(d.zone == zone, in_runs(d.day, runs), d.bucket == -1,
                                                         *_team(d, team_id), d.metric.in_(list(metrics)))
    return [tuple(row) for row in (await db.execute(stmt)).all()]  # type: ignore[misc]


async def bucket_values(db: AsyncSession, zone: str, runs: Runs, team_id: str | None,
                        wanted: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int, str]]:
    """(priority, metric, bucket, packed values) of the ``wanted`` buckets on the days of ``runs``."""
    keys = sorted(set(wanted))
    if not runs or not keys:
        return []
    d = StatsRollupDuration
    stmt = (select(d.priority, d.metric, d.bucket, d.seconds)
            .where(d.zone == zone, in_runs(d.day, runs), *_team(d, team_id),
                   tuple_(d.priority, d.metric, d.bucket).in_(keys)))
    return [tuple(row) for row in (await db.execute(stmt)).all()]  # type: ignore[misc]


async def flip_sums(db: AsyncSession, zone: str, runs: Runs, team_id: str | None,
                    until: datetime) -> list[tuple[str, str, int]]:
    """(priority, metric, tickets) of the running clocks of the days of ``runs`` due before ``until``."""
    if not runs:
        return []
    f = StatsRollupFlip
    stmt = (select(f.priority, f.metric, func.count())
            .where(f.zone == zone, in_runs(f.day, runs), *_team(f, team_id), f.at < until)
            .group_by(f.priority, f.metric))
    return [(p, m, int(n)) for p, m, n in (await db.execute(stmt)).all()]


def pending_ids(zone: str, runs: Runs) -> Any:
    """The ids of the pending tickets of the days of ``runs`` (a subquery)."""
    p = StatsRollupPending
    return select(p.ticket_id).where(p.zone == zone, in_runs(p.day, runs))


def in_day(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


async def clock_dependent(db: AsyncSession, start: datetime, end: datetime,
                          as_of: datetime) -> tuple[dict[int, datetime], list[dict[str, Any]]]:
    """The tickets created in ``[start, end)`` with a figure that may still change after
    ``as_of`` with no change to them (the clock alone passing a due time, or a time at or
    after ``as_of`` already written), each with the earliest such instant; and of those,
    the ones whose only such figures are running SLA clocks (no time at or after ``as_of``
    written), as flips: ``{"team_id", "ticket_id", "metric", "priority", "at"}``.

    Every until-dependent term of ``metrics_queries`` (``x < until`` for a due time while
    unanswered or unresolved and not waiting, an answer, a resolution, a rating or a
    timeline row) is fixed for every ``until >= as_of`` unless such an ``x >= as_of``.
    A running clock's ticket (unanswered, or unresolved and not waiting, due at or after
    ``as_of``) has its figures as of ``as_of`` in every later period but one: it counts
    towards ``first_response_counted`` (``resolution_counted``), not met, once the
    period ends after the due time (``metrics_queries._attainment``)."""
    t = Ticket
    answered = func.coalesce(t.first_response_at, t.resolved_at)
    clocks = [
        (and_(answered.is_(None), t.first_response_due_at >= as_of), t.first_response_due_at),
        (and_(t.resolved_at.is_(None), t.waiting_since.is_(None), t.resolution_due_at >= as_of), t.resolution_due_at),
    ]
    times = [
        *clocks,
        (answered >= as_of, answered),
        (t.resolved_at >= as_of, t.resolved_at),
        (t.csat_at >= as_of, t.csat_at),
    ]
    stmt = select(t.id, t.team_id, t.priority, *(func.coalesce(cond, False) for cond, _ in times),
                  *(value for _, value in times)).where(
        t.created_at >= start, t.created_at < end, or_(*(cond for cond, _ in times)))
    out: dict[int, datetime] = {}
    running: dict[int, list[dict[str, Any]]] = {}
    for ticket_id, team_id, priority, *rest in (await db.execute(stmt)).all():
        flags, values = rest[:len(times)], rest[len(times):]
        out[ticket_id] = min(v for f, v in zip(flags, values, strict=True) if f)
        if not any(flags[len(clocks):]):
            running[ticket_id] = [{"team_id": team_id, "ticket_id": ticket_id, "metric": metric, "priority": priority,
                                   "at": values[i]}
                                  for i, metric in enumerate(("first_response_counted", "resolution_counted"))
                                  if flags[i]]
    later = (select(TicketEvent.ticket_id, func.min(TicketEvent.at))
             .join(Ticket, Ticket.id == TicketEvent.ticket_id)
             .where(TicketEvent.at >= as_of, Ticket.created_at >= start, Ticket.created_at < end)
             .group_by(TicketEvent.ticket_id))
    for ticket_id, at in (await db.execute(later)).all():
        out[ticket_id] = min(out.get(ticket_id, at), at)
        running.pop(ticket_id, None)
    return out, [flip for flips in running.values() for flip in flips]
