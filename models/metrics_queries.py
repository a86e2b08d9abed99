"""Support metrics computed in SQL from the tickets and their timeline.

Every number here is read with portable queries (no counters that drift), identical on
SQLite and Postgres: the period's tickets in one pass (:func:`cohort_stats`, summed and
ranked here), the volume in another (:func:`volume`). The only dialect-specific SQL is
:func:`epoch_seconds` (whole seconds since 1970 of a timestamp): durations are
differences of those, so both databases give the same integers; and
:class:`Unindexed`, a hint to SQLite's planner that changes no result.

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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from models.tickets import OPEN_STATUSES, Ticket, TicketEvent, TicketEventKind

__all__ = [
    "CohortCounts", "CohortStats", "Percentiles", "TicketScope", "Unindexed", "Volume", "cohort_stats", "daily_series",
    "epoch_seconds", "volume",
]

#: Timeline rows that take a ticket out of the open states (a resolution, or a merge into
#: another ticket); a reopen (by hand or by the reporter's reply) brings it back.
RESOLUTION_KINDS = (TicketEventKind.RESOLVED, TicketEventKind.MERGED)


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
    """``column`` as whole epoch seconds, the same on both databases."""
    return EpochSeconds(column)


class Unindexed(FunctionElement[Any]):
    """A column that SQLite's planner may not look up in an index: ``+column`` there
    (SQLite's documented way to disqualify a term from index use), the column elsewhere."""

    name = "unindexed"
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@dataclass(frozen=True)
class TicketScope:
    """Tickets opened in ``[since, until)``, optionally narrowed down."""

    since: datetime
    until: datetime
    team_id: str | None = None
    tier: str | None = None
    category: str | None = None
    customer: str | None = None  # the ticket's customer, in any case


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


def _probe(kind: TicketEventKind, until: datetime, *more: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when the ticket has a ``kind`` row before ``until``, else 0, for a kind nearly
    every ticket has (resolutions): one seek of ``ix_ticket_events_kind_ticket_id_at``
    per ticket. A scalar subquery, not EXISTS: in a select list Postgres would rather
    read every such row before ``until`` into a hash (90,000 resolutions at 100,000
    tickets) than make the period's few thousand seeks."""
    first = (select(literal(1)).where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == kind,
                                       TicketEvent.at < until, *more).limit(1).scalar_subquery())
    return case((first.is_not(None), 1), else_=0)


#: How much earlier than a ticket's creation one of its timeline rows may be stamped
#: (replicas' clocks drift a little): the margin of :func:`_among`'s range.
CLOCK_SKEW = timedelta(hours=1)


def _among(kind: TicketEventKind, since: datetime, until: datetime,
           *more: ColumnElement[bool]) -> ColumnElement[int]:
    """1 when the ticket has a ``kind`` row before ``until`` (and ``more``), else 0, for a
    kind few tickets have (escalations, reopens), for tickets opened at or after
    ``since``: the rows of ``[since - CLOCK_SKEW, until)`` (a ticket's rows come after its
    creation) are read once, as a set (a range of ``ix_ticket_events_kind_at_ticket_id``)
    each ticket is looked up in. Seeks ticket by ticket would cost Postgres more, and the
    whole history before ``until`` (a year of escalations) more still."""
    ids = select(TicketEvent.ticket_id).where(TicketEvent.kind == kind, TicketEvent.at >= since - CLOCK_SKEW,
                                              TicketEvent.at < until, *more)
    return case((Ticket.id.in_(ids), 1), else_=0)


def _narrowing(scope: TicketScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.team_id is not None:
        # Without statistics SQLite would scan the workspace's every ticket by its
        # (team_id, number) key rather than the period's by ix_tickets_created_at_team_id.
        conditions.append(Unindexed(Ticket.team_id) == scope.team_id)
    if scope.category is not None:
        conditions.append(Ticket.category == scope.category)
    if scope.customer is not None:
        conditions.append(func.lower(Ticket.customer) == scope.customer.lower())
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


@dataclass(frozen=True)
class CohortStats:
    """What one pass over a scope's tickets gives (see :func:`cohort_stats`)."""

    counts: dict[str, CohortCounts]                 # per priority
    first_response: dict[str | None, Percentiles]   # per priority, and over all (key None)
    resolution: dict[str | None, Percentiles]
    categories: list[tuple[str, int]]               # tickets per category, most first, ties by name
                                                    # (code point order: SQLite's, and Postgres' "C")


FLAGS = 7  # CohortCounts from first_response_met to reopened, as bits (see _ticket_columns)
#: Positions in CohortCounts' field order: created, the FLAGS counts, then rated and rating_sum.
_RATED, _RATING_SUM = 1 + FLAGS, 2 + FLAGS


def _ticket_columns(since: datetime, until: datetime, upper_tiers: Sequence[str], *,
                    seeks: bool = False) -> list[ColumnElement[Any]]:
    """Per ticket: priority, category, the 0/1 counts of :class:`CohortCounts` from SLA
    met to reopened as the bits of one integer (bit 0 first), the rating (when rated)
    and the two durations in seconds (None when not answered / resolved before ``until``).
    ``seeks``: escalations and reopens looked up ticket by ticket (:func:`_probe`), for a
    few tickets of a long period (``models.cohort_rows``), not read as the period's set."""
    fr_met, fr_counted = _attainment(_answered(), Ticket.first_response_due_at, until)
    res_met, res_counted = _attainment(Ticket.resolved_at, Ticket.resolution_due_at, until,
                                       running=Ticket.waiting_since.is_(None))
    high = TicketEvent.detail["to"].as_string().in_(list(upper_tiers))
    escalated = (_probe(TicketEventKind.ESCALATED, until, high) if seeks
                 else _among(TicketEventKind.ESCALATED, since, until, high))
    reopened = _probe(TicketEventKind.REOPENED, until) if seeks else _among(TicketEventKind.REOPENED, since, until)
    ones = [fr_met, fr_counted, res_met, res_counted, escalated, _probe(TicketEventKind.RESOLVED, until), reopened]
    flags = ones[0]
    for bit, one in enumerate(ones[1:], start=1):
        flags = flags + one * (1 << bit)
    rated = and_(Ticket.csat_rating.is_not(None), Ticket.csat_at < until)
    created = epoch_seconds(Ticket.created_at)
    return [
        Ticket.priority, Ticket.category, flags,
        case((rated, Ticket.csat_rating)),
        case((_answered() < until, epoch_seconds(_answered()) - created)),
        case((Ticket.resolved_at < until, epoch_seconds(Ticket.resolved_at) - created - Ticket.paused_seconds)),
    ]


def _nearest_rank(durations: list[int]) -> Percentiles:
    """Median and 90th percentile of ``durations`` (sorted in place): the values at ranks
    ``ceil(p * n)``."""
    durations.sort()
    n = len(durations)
    if n == 0:
        return Percentiles(0, None, None)
    return Percentiles(n, durations[(n * 50 + 99) // 100 - 1], durations[(n * 90 + 99) // 100 - 1])


async def cohort_stats(db: AsyncSession, scope: TicketScope, *, upper_tiers: Sequence[str]) -> CohortStats:
    """Per priority: volume, SLA met/counted, escalations to ``upper_tiers``, reopens and
    CSAT; first-response and resolution percentiles per priority and over all; tickets
    per category. One statement reads each ticket of the scope once (a few numbers each);
    the sums, the ranks and the category order are taken here, column by column."""
    stmt = select(*_ticket_columns(scope.since, scope.until, upper_tiers)).where(*_cohort(scope))
    rows = (await db.execute(stmt)).all()
    if not rows:
        return CohortStats({}, {}, {}, [])
    priorities, categories, flags, ratings, firsts, resolutions = zip(*rows, strict=True)
    sums: dict[str, list[int]] = {}
    for (priority, bits), n in Counter(zip(priorities, flags, strict=True)).items():
        total = sums.setdefault(priority, [0] * (_RATING_SUM + 1))
        total[0] += n
        for bit in range(FLAGS):
            total[1 + bit] += n * (bits >> bit & 1)
    for (priority, rating), n in Counter(zip(priorities, ratings, strict=True)).items():
        if rating is not None:
            sums[priority][_RATED] += n
            sums[priority][_RATING_SUM] += rating * n
    return CohortStats(
        counts={priority: CohortCounts(*total) for priority, total in sums.items()},
        first_response=_percentiles(priorities, firsts), resolution=_percentiles(priorities, resolutions),
        categories=sorted(Counter(categories).items(), key=lambda item: (-item[1], item[0])),
    )


def _percentiles(priorities: Sequence[str], durations: Sequence[int | None]) -> dict[str | None, Percentiles]:
    """Per priority and over all (key None), of the durations that are not None."""
    by_priority: dict[str | None, list[int]] = {}
    for priority, duration in zip(priorities, durations, strict=True):
        if duration is not None:
            by_priority.setdefault(priority, []).append(duration)
    by_priority[None] = [duration for duration in durations if duration is not None]
    return {key: _nearest_rank(values) for key, values in by_priority.items() if values}


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


async def volume(db: AsyncSession, scope: TicketScope, *, from_ticket_state: bool = False,
                 created: int | None = None, resolved: int | None = None) -> Volume:
    """Tickets created, resolved and open (see :class:`Volume`), from the timeline.

    Resolved: the tickets among the period's resolutions (a range of
    ``ix_ticket_events_kind_at_ticket_id``). Open at ``until``: opened before it and not
    closed then, closed meaning a resolution before ``until`` that no reopen before it
    followed (a higher row id). Counted as the tickets opened before ``until`` less the
    closed ones, the resolutions joined to the tickets once; the (few) reopens are
    checked one by one. ``from_ticket_state``: the open ones as
    :func:`_open_from_ticket_state` reads them. ``created``, ``resolved``: when the
    caller has counted them already (:func:`cohort_stats`, the daily rollups)."""
    narrowing = _narrowing(scope)
    count = select(func.count()).select_from(Ticket)
    # Unindexed: for the DISTINCT SQLite would rather walk every resolution in ticket
    # order (ix_ticket_events_kind_ticket_id_at) than the period's range.
    resolutions = (select(Unindexed(TicketEvent.ticket_id).label("ticket_id"))
                   .where(TicketEvent.kind == TicketEventKind.RESOLVED, TicketEvent.at >= scope.since,
                          TicketEvent.at < scope.until).distinct().subquery())
    resolved_in = count.join(resolutions, resolutions.c.ticket_id == Ticket.id).where(*narrowing)
    existed = [Ticket.created_at < scope.until, *narrowing]
    if from_ticket_state:
        open_then = _open_from_ticket_state(scope, existed)
    else:
        closed = _tickets_with(TicketEventKind.RESOLVED, scope.until,
                               TicketEvent.ticket_id.not_in(_reopened_last(scope.until)))
        open_then = (count.where(*existed).scalar_subquery()
                     - count.join(closed, closed.c.ticket_id == Ticket.id).where(*existed).scalar_subquery())
    columns = [open_then]
    if resolved is None:
        columns.insert(0, resolved_in.scalar_subquery())
    if created is None:
        columns.insert(0, count.where(*_cohort(scope)).scalar_subquery())
    *counted, open_count = (int(v) for v in (await db.execute(select(*columns))).one())
    if resolved is None:
        resolved = counted.pop()
    return Volume(created=counted[0] if created is None else created, resolved=resolved, open=open_count)


def _changed_since(until: datetime) -> Any:
    """Ids of the tickets with a resolution or a reopen at or after ``until``: two ranges
    of ``ix_ticket_events_kind_at_ticket_id`` (for a period ending now, empty)."""
    return select(TicketEvent.ticket_id).where(
        TicketEvent.kind.in_([*RESOLUTION_KINDS, TicketEventKind.REOPENED]), TicketEvent.at >= until)


def _open_from_ticket_state(scope: TicketScope, existed: list[ColumnElement[bool]]) -> Any:
    """Open at ``until``, read from the tickets' own status where it cannot have changed
    since: it leaves the open states only with a resolution or a merge and comes back only
    with a reopen, each written to the timeline with it (``workflows/tickets/states.py``;
    closing a resolved ticket keeps it out), so a ticket without such a row at
    or after ``until`` is open then exactly when it is open now. Only the tickets with
    one (for a period ending now, none) are looked up in their timeline, ticket by
    ticket: closed then when a resolution before ``until`` has no reopen after it (a
    higher row id) before ``until``."""
    count = select(func.count()).select_from(Ticket)
    changed = _changed_since(scope.until)
    unchanged = count.where(*existed, Ticket.status.in_(OPEN_STATUSES), Ticket.id.not_in(changed))
    resolution, reopen = aliased(TicketEvent), aliased(TicketEvent)
    reopened_after = exists().where(reopen.ticket_id == resolution.ticket_id, reopen.kind == TicketEventKind.REOPENED,
                                    reopen.at < scope.until, reopen.id > resolution.id)
    closed = exists().where(resolution.ticket_id == Ticket.id, resolution.kind.in_(RESOLUTION_KINDS),
                            resolution.at < scope.until, ~reopened_after)
    reread = count.where(*existed, Ticket.id.in_(changed), ~closed)
    return unchanged.scalar_subquery() + reread.scalar_subquery()


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
