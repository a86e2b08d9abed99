"""What the lifecycle looks like across tickets, for `/ticket stats` and `supportbot report`:
the backlog counted by state at a moment, and how long tickets waited for triage.

    at = await states_at(db, at=t1, statuses=[...], rows=StateRows(...), team_id="T1")
    at.unchanged        # {TicketStatus.NEW: 4, ...}: tickets whose state has not changed since t1
    at.changed          # [(TicketEventKind.RESOLVED, held, triaged, n), ...]: the others, by their timeline
    waits = await time_in_triage(db, since=t0, until=t1)              # Percentiles of seconds

The backlog at ``at`` is the tickets opened before it (of a workspace, a tier they sit in
now, a category), each in the state it was in then. Which timeline rows change a state
and what they lead to is the lifecycle's (``workflows/tickets/states.py``); this module
only reads them, in two set-based statements:

- the tickets without a state row at or after ``at`` (every ticket, for ``at`` = now) are
  in the state they are in now: counted by ``status``, as the queues are; the ones that
  changed since are the ids of the rows of those kinds in ``[at, ∞)``, a range of
  ``ix_ticket_events_kind_at_ticket_id`` per kind (read from the index alone);
- for those that changed since, the latest phase row before ``at`` and whether a
  holding row (or a triage naming an owner) and a triage row came before it, each a
  short walk of ``ix_ticket_events_kind_ticket_id_at``, grouped so only counts come back.

So the work grows with the backlog and with what happened after ``at``, never with the
whole timeline.

Time in triage is, for each ticket whose first triage row falls in ``[since, until)``,
the time from its opening to that triage (a re-triage later does not count again, nor is
a triage after ``until`` seen); nearest-rank median and 90th percentile, as
``models.metrics_queries`` reads every other duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.metrics_queries import Percentiles
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus

__all__ = ["StateRows", "StatesAt", "states_at", "time_in_triage"]


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
    unchanged: dict[TicketStatus, int]                               # by today's status, of ``statuses``
    changed: list[tuple[TicketEventKind | None, bool, bool, int]]    # (latest phase row, held, triaged, tickets)


def _scope(team_id: str | None, tier: str | None, category: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if team_id is not None:
        where.append(Ticket.team_id == team_id)
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
    since_then = (select(TicketEvent.ticket_id)
                  .where(TicketEvent.kind.in_(_kinds(rows.changes)), TicketEvent.at >= at))
    unchanged = await db.execute(
        select(Ticket.status, func.count())
        .where(Ticket.status.in_(list(statuses)), Ticket.created_at < at, *scope, Ticket.id.not_in(since_then))
        .group_by(Ticket.status))
    found = {TicketStatus(status): int(n) for status, n in unchanged}

    event = aliased(TicketEvent)
    before = and_(event.ticket_id == Ticket.id, event.at < at)
    last = (select(event.kind).where(before, event.kind.in_(_kinds(rows.phases)))
            .order_by(event.at.desc(), event.id.desc()).limit(1).scalar_subquery())
    held = exists().where(before, or_(event.kind.in_(_kinds(rows.holds)), and_(
        event.kind == rows.triage, event.detail["assignee"].as_string().is_not(None))))
    triaged = exists().where(before, event.kind == rows.triage)
    per_ticket = (select(last.label("last"), held.label("held"), triaged.label("triaged"))
                  .where(Ticket.created_at < at, *scope, Ticket.id.in_(since_then)).subquery())
    changed = await db.execute(select(per_ticket.c.last, per_ticket.c.held, per_ticket.c.triaged, func.count())
                               .group_by(per_ticket.c.last, per_ticket.c.held, per_ticket.c.triaged))
    return StatesAt(
        unchanged={status: found.get(status, 0) for status in statuses},
        changed=[(TicketEventKind(kind) if kind is not None else None, bool(h), bool(t), int(n))
                 for kind, h, t, n in changed])


async def time_in_triage(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                         tier: str | None = None, category: str | None = None) -> Percentiles:
    """From opening to the first triage, of the tickets first triaged in ``[since, until)``."""
    triage = TicketEventKind.TRIAGED
    first, earlier = aliased(TicketEvent), aliased(TicketEvent)
    before_it = exists().where(earlier.ticket_id == first.ticket_id, earlier.kind == triage, or_(
        earlier.at < first.at, and_(earlier.at == first.at, earlier.id < first.id)))
    rows = await db.execute(
        select(Ticket.created_at, first.at).join(Ticket, Ticket.id == first.ticket_id)
        .where(first.kind == triage, first.at >= since, first.at < until, ~before_it,
               *_scope(team_id, tier, category)))
    waits = sorted(max(int((triaged - created).total_seconds()), 0) for created, triaged in rows)
    n = len(waits)
    if n == 0:
        return Percentiles(0, None, None)
    return Percentiles(n, waits[(n * 50 + 99) // 100 - 1], waits[(n * 90 + 99) // 100 - 1])
