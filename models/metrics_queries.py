"""Support metrics computed in SQL from the tickets and their timeline.

Every number here is one portable query (no counters that drift), identical on SQLite
and Postgres. The only dialect-specific SQL is :func:`epoch_seconds` (whole seconds
since 1970 of a timestamp): durations are differences of those, so both databases
give the same integers.

Which tickets: a :class:`TicketScope` is the tickets *opened* in ``[since, until)``
(optionally of one workspace, one category, or handled by one tier at some point),
looked at as they stood at ``until``: anything that happened at or after ``until``
has not happened yet.

- First response: the first agent reply in the thread, or the resolution when that
  came first (resolving stops the first-response clock, as in the SLA engine).
- Resolution time: the latest resolution less the time spent waiting on the customer
  (``paused_seconds``).
- SLA attainment: *met* when the response (resolution) happened by the due time stored
  on the ticket (for business-hours priorities that due time already counts working
  time only); *missed* when it happened later, or has not happened and the due time
  has passed (an open ticket whose resolution clock is paused is not missing it);
  open tickets not yet due are left out.
- Percentiles use the nearest-rank method: the value at rank ``ceil(p * n)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus

__all__ = [
    "CohortCounts", "Percentiles", "TicketScope", "Volume", "cohort_counts", "daily_series",
    "epoch_seconds", "first_response_percentiles", "resolution_percentiles", "top_categories", "volume",
]


class EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a timestamp column (floored)."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: Any, **kw: Any) -> str:
    # UTCDateTime stores UTC text ("2026-11-25 15:00:00.000000"); %s floors the seconds.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgres(element: EpochSeconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def epoch_seconds(column: ColumnElement[datetime]) -> EpochSeconds:
    """The one dialect switch: ``column`` as whole epoch seconds, the same on both databases."""
    return EpochSeconds(column)


@dataclass(frozen=True)
class TicketScope:
    """Tickets opened in ``[since, until)``, optionally narrowed down."""

    since: datetime
    until: datetime
    team_id: str | None = None
    tier: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Volume:
    created: int   # opened in the period
    resolved: int  # resolved in the period (a resolved row on the timeline), whenever opened
    open: int      # opened before ``until`` and not resolved then (or reopened since)


@dataclass(frozen=True)
class CohortCounts:
    """Counts over the tickets of a scope, for one priority (or all of them)."""

    created: int = 0
    first_response_met: int = 0
    first_response_counted: int = 0
    resolution_met: int = 0
    resolution_counted: int = 0
    escalated_high: int = 0
    resolved_ever: int = 0
    reopened: int = 0
    rated: int = 0
    rating_sum: int = 0

    def __add__(self, other: CohortCounts) -> CohortCounts:
        return CohortCounts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(counts: CohortCounts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in CohortCounts.__dataclass_fields__)


@dataclass(frozen=True)
class Percentiles:
    """Nearest-rank median and 90th percentile of ``count`` durations, in seconds."""

    count: int
    median: int | None
    p90: int | None


def _event(kind: TicketEventKind, until: datetime, *more: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == kind,
                          TicketEvent.at < until, *more)


def _narrowing(scope: TicketScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.team_id is not None:
        conditions.append(Ticket.team_id == scope.team_id)
    if scope.category is not None:
        conditions.append(Ticket.category == scope.category)
    if scope.tier is not None:  # the tier has it now, or had it before an escalation
        passed = or_(TicketEvent.detail["from"].as_string() == scope.tier,
                     TicketEvent.detail["to"].as_string() == scope.tier)
        conditions.append(or_(Ticket.tier == scope.tier,
                              _event(TicketEventKind.ESCALATED, scope.until, passed)))
    return conditions


def _cohort(scope: TicketScope) -> list[ColumnElement[bool]]:
    return [Ticket.created_at >= scope.since, Ticket.created_at < scope.until, *_narrowing(scope)]


def _answered() -> ColumnElement[datetime]:
    return func.coalesce(Ticket.first_response_at, Ticket.resolved_at)


def _attainment(done: ColumnElement[datetime], due: ColumnElement[datetime], until: datetime,
                running: ColumnElement[bool] | None = None) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """(met, counted) as 0/1 per ticket: see the module docstring."""
    overdue = and_(due < until, running) if running is not None else due < until
    met = case((and_(due.is_not(None), done < until, done <= due), 1), else_=0)
    counted = case((due.is_(None), 0), (done < until, 1), (overdue, 1), else_=0)
    return met, counted


def _count_columns(until: datetime, upper_tiers: Sequence[str]) -> list[ColumnElement[Any]]:
    fr_met, fr_counted = _attainment(_answered(), Ticket.first_response_due_at, until)
    res_met, res_counted = _attainment(Ticket.resolved_at, Ticket.resolution_due_at, until,
                                       running=Ticket.waiting_since.is_(None))
    high = TicketEvent.detail["to"].as_string().in_(list(upper_tiers))

    def share(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    rated = and_(Ticket.csat_rating.is_not(None), Ticket.csat_at < until)
    return [
        func.count(),
        func.sum(fr_met), func.sum(fr_counted), func.sum(res_met), func.sum(res_counted),
        share(_event(TicketEventKind.ESCALATED, until, high)),
        share(_event(TicketEventKind.RESOLVED, until)),
        share(_event(TicketEventKind.REOPENED, until)),
        share(rated),
        func.sum(case((rated, Ticket.csat_rating), else_=0)),
    ]


async def cohort_counts(db: AsyncSession, scope: TicketScope, *, upper_tiers: Sequence[str]) -> dict[str, CohortCounts]:
    """Per priority: volume, SLA met/counted, escalations to ``upper_tiers``, reopens, CSAT."""
    stmt = (select(Ticket.priority, *_count_columns(scope.until, upper_tiers))
            .where(*_cohort(scope)).group_by(Ticket.priority))
    return {row[0]: CohortCounts(*(int(v or 0) for v in row[1:])) for row in await db.execute(stmt)}


def _at_rank(rank: Any, n: Any, d: Any, percent: int) -> ColumnElement[int]:
    """The ``d`` of the row whose rank is ``ceil(percent * n / 100)`` (integer arithmetic)."""
    return func.max(case((rank == (n * percent + 99) // 100, d)))


async def _percentiles(db: AsyncSession, duration: ColumnElement[int], conditions: list[ColumnElement[bool]],
                       ) -> dict[str | None, Percentiles]:
    """Nearest-rank median and p90 of ``duration`` per priority, and over all (key None),
    in one pass: each row is ranked within its priority and among all rows; the overall
    median (p90) row belongs to exactly one priority's group."""
    inner = select(
        Ticket.priority.label("priority"),
        duration.label("d"),
        func.row_number().over(partition_by=Ticket.priority, order_by=duration).label("rn"),
        func.count().over(partition_by=Ticket.priority).label("n"),
        func.row_number().over(order_by=duration).label("rn_all"),
        func.count().over().label("n_all"),
    ).where(*conditions).subquery()
    c = inner.c
    stmt = (select(c.priority, func.max(c.n), _at_rank(c.rn, c.n, c.d, 50), _at_rank(c.rn, c.n, c.d, 90),
                   func.max(c.n_all), _at_rank(c.rn_all, c.n_all, c.d, 50), _at_rank(c.rn_all, c.n_all, c.d, 90))
            .group_by(c.priority))
    result: dict[str | None, Percentiles] = {}
    overall: list[int | None] = [None, None, None]
    for priority, n, median, p90, n_all, median_all, p90_all in await db.execute(stmt):
        result[priority] = Percentiles(int(n or 0), None if median is None else int(median),
                                       None if p90 is None else int(p90))
        overall = [int(n_all or 0), *(int(v) if v is not None else old for v, old in
                                      zip((median_all, p90_all), overall[1:], strict=True))]
    if overall[0] is not None:
        result[None] = Percentiles(*overall)  # type: ignore[arg-type]
    return result


async def first_response_percentiles(db: AsyncSession, scope: TicketScope) -> dict[str | None, Percentiles]:
    """Time to first response (seconds) of the scope's answered tickets."""
    duration = epoch_seconds(_answered()) - epoch_seconds(Ticket.created_at)
    return await _percentiles(db, duration, [*_cohort(scope), _answered() < scope.until])


async def resolution_percentiles(db: AsyncSession, scope: TicketScope) -> dict[str | None, Percentiles]:
    """Time to resolution (seconds, less waiting on the customer) of the scope's resolved tickets."""
    duration = epoch_seconds(Ticket.resolved_at) - epoch_seconds(Ticket.created_at) - Ticket.paused_seconds
    return await _percentiles(db, duration, [*_cohort(scope), Ticket.resolved_at < scope.until])


def _tickets_with(kind: TicketEventKind, until: datetime, *more: ColumnElement[bool]) -> Any:
    """Ids of the tickets with a ``kind`` row before ``until`` (and ``more``), each once:
    a range of ``ix_ticket_events_kind_ticket_id_at``, in ticket order."""
    return (select(TicketEvent.ticket_id)
            .where(TicketEvent.kind == kind, TicketEvent.at < until, *more).distinct().subquery())


def _reopened_last(until: datetime) -> Any:
    """Ids of the tickets with a reopen before ``until`` that no resolution before it
    followed (a higher row id). Starts from the reopens, which are few."""
    reopen, later = aliased(TicketEvent), aliased(TicketEvent)
    return select(reopen.ticket_id).where(
        reopen.kind == TicketEventKind.REOPENED, reopen.at < until,
        ~exists().where(later.ticket_id == reopen.ticket_id, later.kind == TicketEventKind.RESOLVED,
                        later.at < until, later.id > reopen.id))


async def volume(db: AsyncSession, scope: TicketScope, *, from_ticket_state: bool = False) -> Volume:
    """Tickets created, resolved and open (see :class:`Volume`), from the timeline.

    Open at ``until``: opened before it and not closed then, closed meaning a resolution
    before ``until`` that no reopen before it followed (a higher row id). Counted as the
    tickets opened before ``until`` less the closed ones. The timeline is read as ranges
    of ``ix_ticket_events_kind_ticket_id_at`` joined to the tickets once, not probed
    ticket by ticket; the (few) reopens are checked one by one."""
    narrowing = _narrowing(scope)
    count = select(func.count()).select_from(Ticket)

    def count_of(ids: Any, *conditions: ColumnElement[bool]) -> Any:
        return count.join(ids, ids.c.ticket_id == Ticket.id).where(*conditions).scalar_subquery()

    resolved_in_period = _tickets_with(TicketEventKind.RESOLVED, scope.until, TicketEvent.at >= scope.since)
    existed = [Ticket.created_at < scope.until, *narrowing]
    if from_ticket_state:
        open_then = _open_from_ticket_state(scope, existed)
    else:
        closed = _tickets_with(TicketEventKind.RESOLVED, scope.until,
                               TicketEvent.ticket_id.not_in(_reopened_last(scope.until)))
        open_then = count.where(*existed).scalar_subquery() - count_of(closed, *existed)
    stmt = select(
        count.where(*_cohort(scope)).scalar_subquery(),
        count_of(resolved_in_period, *narrowing),
        open_then,
    )
    created, resolved, open_count = (int(v) for v in (await db.execute(stmt)).one())
    return Volume(created=created, resolved=resolved, open=open_count)


def _open_from_ticket_state(scope: TicketScope, existed: list[ColumnElement[bool]]) -> Any:
    """Open at ``until``, read from the tickets' own state where it cannot have changed
    since: every resolve and reopen touches ``updated_at`` (``add_ticket_event``), so a
    ticket untouched since ``until`` is open then exactly when it is open now. Only the
    tickets touched since (for a period ending now, hardly any) are looked up in their
    timeline, one by one."""
    count = select(func.count()).select_from(Ticket)
    untouched = count.where(*existed, Ticket.updated_at < scope.until, Ticket.status == TicketStatus.OPEN)
    closed = and_(_event(TicketEventKind.RESOLVED, scope.until), Ticket.id.not_in(_reopened_last(scope.until)))
    touched = count.where(*existed, Ticket.updated_at >= scope.until, ~closed)
    return untouched.scalar_subquery() + touched.scalar_subquery()


async def top_categories(db: AsyncSession, scope: TicketScope, limit: int = 5) -> list[tuple[str, int]]:
    """The ``limit`` categories with the most tickets opened (ties by name)."""
    count = func.count().label("n")
    stmt = (select(Ticket.category, count).where(*_cohort(scope)).group_by(Ticket.category)
            .order_by(count.desc(), Ticket.category).limit(limit))
    return [(name, int(n)) for name, n in await db.execute(stmt)]


@dataclass(frozen=True)
class DayCounts:
    """One day of the chart: tickets opened per priority, and SLA met/counted that day."""

    created: dict[str, int]
    first_response_met: int
    first_response_counted: int
    resolution_met: int
    resolution_counted: int


async def daily_series(db: AsyncSession, boundaries: Sequence[datetime], *, until: datetime,
                       team_id: str | None = None) -> list[DayCounts]:
    """Per day ``[boundaries[i], boundaries[i+1])``: tickets opened by priority and SLA
    attainment of those tickets as of ``until``. The day bucket is a CASE over the
    boundaries (computed by the caller in its time zone), so no date function is needed."""
    days = len(boundaries) - 1
    day = case(*((Ticket.created_at < edge, index) for index, edge in enumerate(boundaries[1:])))
    fr_met, fr_counted = _attainment(_answered(), Ticket.first_response_due_at, until)
    res_met, res_counted = _attainment(Ticket.resolved_at, Ticket.resolution_due_at, until,
                                       running=Ticket.waiting_since.is_(None))
    scope = TicketScope(since=boundaries[0], until=boundaries[-1], team_id=team_id)
    inner = select(day.label("day"), Ticket.priority.label("priority"), fr_met.label("fm"),
                   fr_counted.label("fc"), res_met.label("rm"), res_counted.label("rc")).where(*_cohort(scope)).subquery()
    stmt = select(inner.c.day, inner.c.priority, func.count(), func.sum(inner.c.fm), func.sum(inner.c.fc),
                  func.sum(inner.c.rm), func.sum(inner.c.rc)).group_by(inner.c.day, inner.c.priority)
    created: list[dict[str, int]] = [{} for _ in range(days)]
    sla = [[0, 0, 0, 0] for _ in range(days)]
    for index, priority, n, *sums in await db.execute(stmt):
        created[int(index)][priority] = int(n)
        sla[int(index)] = [a + int(b or 0) for a, b in zip(sla[int(index)], sums, strict=True)]
    return [DayCounts(created[i], *sla[i]) for i in range(days)]
