"""Resolutions by day: the "resolved in the period" figure of ``metrics_queries.volume``
(tickets with a resolution in ``[since, until)``, each once), from daily rollups.

A ticket resolved on several days of a period counts once, at its first resolution in
the period. On a day ``d`` that is its first resolution of the day whose previous
resolution (in timeline order) came before the period. So a day's rollup stores, per
workspace, its tickets by the day of that previous resolution (:func:`first_resolutions`),
and a query adds the ones whose previous resolution is older than its period; what the
days cannot tell (a previous resolution on the period's first, partial day) and the
days without a rollup are read here directly (:func:`resolved_between`,
:func:`next_resolutions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.metrics_queries import Unindexed
from models.tickets import Ticket, TicketEvent, TicketEventKind

__all__ = ["any_of", "created_between", "first_resolutions", "next_resolutions", "resolved_between"]

RESOLVED = TicketEventKind.RESOLVED


async def first_resolutions(db: AsyncSession, start: datetime, end: datetime) -> list[tuple[str, datetime | None]]:
    """Per ticket with a resolution in ``[start, end)``: its workspace and when its
    resolution before the first of those came (None: none before)."""
    day = select(Unindexed(TicketEvent.ticket_id)).where(TicketEvent.kind == RESOLVED, TicketEvent.at >= start,
                                                         TicketEvent.at < end)
    stmt = (select(TicketEvent.ticket_id, TicketEvent.at, Ticket.team_id)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.kind == RESOLVED, TicketEvent.at < end, TicketEvent.ticket_id.in_(day))
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id))
    out: list[tuple[str, datetime | None]] = []
    current, previous, counted = None, None, False
    for ticket_id, at, team_id in (await db.execute(stmt)).all():
        if ticket_id != current:
            current, previous, counted = ticket_id, None, False
        if at >= start and not counted:
            out.append((team_id, previous))
            counted = True
        previous = at
    return out


def _team(team_id: str | None) -> list[ColumnElement[bool]]:
    return [] if team_id is None else [Ticket.team_id == team_id]


async def resolved_between(db: AsyncSession, start: datetime, end: datetime, *, team_id: str | None,
                           not_since: datetime | None = None) -> int:
    """Tickets with a resolution in ``[start, end)`` (each once); with ``not_since``, only
    those without one in ``[not_since, start)``."""
    more: list[ColumnElement[bool]] = []
    if not_since is not None and not_since < start:
        earlier = aliased(TicketEvent)
        more.append(~exists().where(earlier.ticket_id == TicketEvent.ticket_id, earlier.kind == RESOLVED,
                                    earlier.at >= not_since, earlier.at < start))
    ids = (select(Unindexed(TicketEvent.ticket_id).label("ticket_id"))  # the range, not every resolution
           .where(TicketEvent.kind == RESOLVED, TicketEvent.at >= start, TicketEvent.at < end, *more)
           .distinct().subquery())
    stmt = select(func.count()).select_from(Ticket).join(ids, ids.c.ticket_id == Ticket.id).where(*_team(team_id))
    return int((await db.execute(stmt)).scalar_one())


async def next_resolutions(db: AsyncSession, start: datetime, end: datetime, *, after: datetime,
                           before: datetime, team_id: str | None) -> list[datetime]:
    """For each ticket with a resolution in ``[start, end)``: its first resolution in
    ``[after, before)``, when it has one."""
    later = aliased(TicketEvent)
    ids = (select(Unindexed(TicketEvent.ticket_id).label("ticket_id"))
           .where(TicketEvent.kind == RESOLVED, TicketEvent.at >= start, TicketEvent.at < end).distinct().subquery())
    first = (select(func.min(later.at)).where(later.ticket_id == Ticket.id, later.kind == RESOLVED,
                                               later.at >= after, later.at < before).scalar_subquery())
    stmt = select(first).select_from(Ticket).join(ids, ids.c.ticket_id == Ticket.id).where(*_team(team_id))
    return [at for (at,) in (await db.execute(stmt)).all() if at is not None]


def created_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Ticket.created_at >= start, Ticket.created_at < end)


def any_of(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else false()
