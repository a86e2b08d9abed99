"""What the lifecycle looks like across tickets, for `/ticket stats` and `supportbot report`:
the backlog counted by state at a moment, and how long tickets waited for triage.

    at = await states_at(db, at=t1, statuses=[...], rows=StateRows(...), team_id="T1")
    at.unchanged        # {TicketStatus.NEW: 4, ...}: tickets opened before t1 whose state has not changed since
    at.changed          # [(TicketEventKind.RESOLVED, held, triaged, n), ...]: the others, by their timeline
    waits = await time_in_triage(db, since=t0, until=t1)              # Percentiles of seconds

The backlog at ``at`` is the tickets opened before it (of a workspace, a tier they sit in
now, a category), each in the state it was in then. Which timeline rows change a state
and what they lead to is the lifecycle's (``workflows/tickets/states.py``); this module
only reads them, in three set-based statements:

- the tickets in each state now, as the queues count them (``ix_tickets_status_tier``);
- less those opened at or after ``at`` (a range of ``ix_tickets_created_at_team_id``);
- less those opened before ``at`` that changed state since, and plus each of these in the
  state it had then: their ids are the state rows in ``[at, ∞)`` (a range of
  ``ix_ticket_events_kind_at_ticket_id`` per kind, read from the index alone), and for
  each the latest phase row before ``at`` and whether a holding row (or a triage naming
  an owner) and a triage row came before it, short walks of
  ``ix_ticket_events_ticket_id_at`` / ``ix_ticket_events_kind_ticket_id_at``, grouped so
  only counts come back.

A ticket without a state row since ``at`` is in the state it is in now (for ``at`` = now:
every ticket, and the last two statements find nothing). So the work grows with the
backlog and with what happened after ``at``, never with the whole timeline, and no
statement probes the timeline once per ticket of the backlog.

Time in triage is, for each ticket whose first triage row falls in ``[since, until)``,
the time from its opening to that triage (a re-triage later does not count again, nor is
a triage after ``until`` seen); nearest-rank median and 90th percentile, as
``models.metrics_queries`` reads every other duration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.metrics_queries import Percentiles, Unindexed
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus

__all__ = ["StateRows", "StatesAt", "first_triage_waits", "states_at", "time_in_triage"]


@dataclass(frozen=True)
class StateRows:
    """The timeline's kinds as the lifecycle reads them: ``changes`` every row that moves
    a state, ``phases`` those that decide it alone (the creation too), ``holds`` those that
    hand the ticket to someone; a ``triage`` row naming an ``assignee`` in its detail does too."""

    changes: frozenset[TicketEventKind]
    phases: frozenset[TicketEventKind]
    holds: frozenset[TicketEventKind]
    triage: TicketEventKind


@dataclass(frozen=True)
class StatesAt:
    unchanged: dict[TicketStatus, int]                               # opened before, no change since: by status
    changed: list[tuple[TicketEventKind | None, bool, bool, int]]    # (latest phase row, held, triaged, tickets)


def _scope(team_id: str | None, tier: str | None, category: str | None, *,
           team_key: bool = True) -> list[ColumnElement[bool]]:
    """``team_key=False``: the workspace is a filter, never SQLite's way in (its
    ``(team_id, number)`` key would walk every ticket of the workspace)."""
    where: list[ColumnElement[bool]] = []
    if team_id is not None:
        where.append((Ticket.team_id if team_key else Unindexed(Ticket.team_id)) == team_id)
    if tier is not None:
        where.append(Ticket.tier == tier)
    if category is not None:
        where.append(Ticket.category == category)
    return where


def _kinds(kinds: frozenset[TicketEventKind]) -> list[TicketEventKind]:
    return sorted(kinds)  # a stable statement (the cache, Postgres' plans)


async def states_at(db: AsyncSession, *, at: datetime, statuses: Sequence[TicketStatus], rows: StateRows,
                    team_id: str | None = None, tier: str | None = None,
                    category: str | None = None) -> StatesAt:
    """The tickets opened before ``at`` as their timeline leaves them at ``at`` (module docstring)."""
    scope = _scope(team_id, tier, category)
    filtered = _scope(team_id, tier, category, team_key=False)
    wanted = list(statuses)

    async def by_status(status: ColumnElement[Any], *where: ColumnElement[bool]) -> Counter[TicketStatus]:
        found = await db.execute(select(status, func.count()).where(*where).group_by(status))
        return Counter({TicketStatus(value): int(n) for value, n in found})

    # As the queues count them: ranges of ix_tickets_status_team_id_created_at, read from it alone.
    now = await by_status(Ticket.status, *scope, Ticket.status.in_(wanted))
    # Neither a status filter nor the bare column to group on, nor the workspace as a
    # key: SQLite would walk an index of every ticket instead of the range of created_at.
    opened_since = await by_status(cast(Ticket.status, String), *filtered, Ticket.created_at >= at)

    event = aliased(TicketEvent)
    since_then = select(event.ticket_id).where(event.kind.in_(_kinds(rows.changes)), event.at >= at)
    before = and_(event.ticket_id == Ticket.id, event.at < at)
    last = (select(event.kind).where(before, event.kind.in_(_kinds(rows.phases)))
            .order_by(event.at.desc(), event.id.desc()).limit(1).scalar_subquery())
    # Scalar LIMIT 1 subqueries, not EXISTS: Postgres may hash an EXISTS in the select list,
    # which reads every such row of the whole timeline instead of this ticket's few.
    held = select(literal(1)).where(before, or_(event.kind.in_(_kinds(rows.holds)), and_(
        event.kind == rows.triage, event.detail["assignee"].as_string().is_not(None)))).limit(1).scalar_subquery()
    triaged = select(literal(1)).where(before, event.kind == rows.triage).limit(1).scalar_subquery()
    # From the ids of the state rows since ``at`` (few), never from the workspace's tickets.
    per_ticket = (select(Ticket.status, last.label("last"), held.is_not(None).label("held"),
                         triaged.is_not(None).label("triaged"))
                  .where(Unindexed(Ticket.created_at) < at, *filtered, Ticket.id.in_(since_then)).subquery())
    columns = (per_ticket.c.status, per_ticket.c.last, per_ticket.c.held, per_ticket.c.triaged)
    changed_since = Counter[TicketStatus]()
    changed = []
    for status, kind, h, t, n in await db.execute(select(*columns, func.count()).group_by(*columns)):
        changed_since[TicketStatus(status)] += int(n)
        changed.append((TicketEventKind(kind) if kind is not None else None, bool(h), bool(t), int(n)))
    return StatesAt(
        unchanged={status: now[status] - opened_since[status] - changed_since[status] for status in statuses},
        changed=changed)


async def first_triage_waits(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                             tier: str | None = None, category: str | None = None) -> list[tuple[str, int]]:
    """(workspace, seconds from opening to first triage) of the tickets first triaged in ``[since, until)``."""
    triage = TicketEventKind.TRIAGED
    first, earlier = aliased(TicketEvent), aliased(TicketEvent)
    # The ticket's first triage row, one probe of ix_ticket_events_kind_ticket_id_at per row
    # of the period (an anti-join would read every triage row of the timeline).
    its_first = (select(earlier.id).where(earlier.ticket_id == first.ticket_id, earlier.kind == triage)
                 .order_by(earlier.at, earlier.id).limit(1).scalar_subquery())
    rows = await db.execute(
        select(Ticket.team_id, Ticket.created_at, first.at).join(Ticket, Ticket.id == first.ticket_id)
        .where(first.kind == triage, first.at >= since, first.at < until, first.id == its_first,
               *_scope(team_id, tier, category)))
    return [(team, max(int((triaged - created).total_seconds()), 0)) for team, created, triaged in rows]


async def time_in_triage(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                         tier: str | None = None, category: str | None = None) -> Percentiles:
    """From opening to the first triage, of the tickets first triaged in ``[since, until)``."""
    waits = sorted(wait for _team, wait in await first_triage_waits(
        db, since=since, until=until, team_id=team_id, tier=tier, category=category))
    n = len(waits)
    if n == 0:
        return Percentiles(0, None, None)
    return Percentiles(n, waits[(n * 50 + 99) // 100 - 1], waits[(n * 90 + 99) // 100 - 1])
