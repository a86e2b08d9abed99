"""What the daily digest shows: tickets opened in a period, open tickets by age, overdue ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tickets import OPEN_STATUSES, Ticket

__all__ = ["TicketsPage", "new_tickets", "open_by_age", "overdue_condition", "overdue_tickets"]


@dataclass(frozen=True)
class TicketsPage:
    """How many tickets match, and the first ``len(tickets)`` of them."""

    total: int
    tickets: list[Ticket]


def _team(team_id: str | None) -> list[ColumnElement[bool]]:
    return [Ticket.team_id == team_id] if team_id is not None else []


async def new_tickets(db: AsyncSession, *, since: datetime, until: datetime, limit: int,
                      team_id: str | None = None) -> TicketsPage:
    """Tickets opened in ``[since, until)``, the most urgent first, then the newest."""
    where = [Ticket.created_at >= since, Ticket.created_at < until, *_team(team_id)]
    total = (await db.execute(select(func.count()).select_from(Ticket).where(*where))).scalar_one()
    rows = await db.execute(select(Ticket).where(*where)
                            .order_by(Ticket.priority, Ticket.created_at.desc(), Ticket.id).limit(limit))
    return TicketsPage(int(total), list(rows.scalars()))


async def open_by_age(db: AsyncSession, *, now: datetime, edges: Sequence[timedelta],
                      team_id: str | None = None) -> list[int]:
    """Open tickets counted by age: ``[< edges[0], edges[0]..edges[1], …, >= edges[-1]]``."""
    bucket = case(*((Ticket.created_at > now - edge, index) for index, edge in enumerate(edges)),
                  else_=len(edges))
    inner = select(bucket.label("bucket")).where(Ticket.status.in_(OPEN_STATUSES), *_team(team_id)).subquery()
    counts = [0] * (len(edges) + 1)
    for index, n in await db.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket)):
        counts[int(index)] = int(n)
    return counts


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """An open ticket past a running SLA clock: first response, next response or resolution."""
    return and_(Ticket.status.in_(OPEN_STATUSES), or_(
        and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < now),
        Ticket.next_response_due_at < now,
        and_(Ticket.waiting_since.is_(None), Ticket.resolution_due_at < now),
    ))


async def overdue_tickets(db: AsyncSession, *, now: datetime, limit: int, team_id: str | None = None) -> TicketsPage:
    """Open tickets past a due time, the longest overdue first."""
    where = [overdue_condition(now), *_team(team_id)]
    total = (await db.execute(select(func.count()).select_from(Ticket).where(*where))).scalar_one()
    earliest = func.coalesce(
        case((Ticket.first_response_at.is_(None), Ticket.first_response_due_at)),
        Ticket.next_response_due_at, Ticket.resolution_due_at)
    rows = await db.execute(select(Ticket).where(*where).order_by(earliest, Ticket.id).limit(limit))
    return TicketsPage(int(total), list(rows.scalars()))
