"""Lists of tickets that `/ticket mine`, `/ticket queue` and the App Home show.

    deadline = sla_deadline()                     # a SQL expression, per ticket row
    queue = await open_queue(db, team_id, tier_ids=["tier2"], limit=30)
    queue.tickets, queue.total, queue.more        # the first 30, how many in all, the rest
    mine = await open_tickets_of_user(db, team_id, user_id, limit=30)
    done = await resolved_tickets_of_user(db, team_id, user_id, limit=10)

Open lists are ordered by the nearest SLA deadline, computed in SQL
(``models.tickets.sla_deadline``: the earliest of the first-response due time while no
first response was recorded, the next-response due time and the resolution due time).
Tickets with no deadline at all come last; ties go by number. Every query is scoped to
one Slack workspace (``team_id``).

Each open list reads a partial index of the open tickets kept in exactly that order
(``models/tickets.py``: per tier, all, per assignee, per reporter), so a page costs its
rows and a count the tier's index entries, however many resolved tickets the table
holds. For a planner to take one, the query must say what the index says: the open
statuses written into the SQL (``open_status``), one tier compared with ``=`` (or
``IS NULL``: triage), the deadline expression itself in ``ORDER BY``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models.tickets import DONE_STATUSES, Ticket, open_status, sla_deadline

__all__ = [
    "TicketList",
    "claimed_open_tickets",
    "open_queue",
    "open_tickets_of_user",
    "reported_open_tickets",
    "resolved_tickets_of_user",
    "sla_deadline",
    "tickets_by_number",
    "tiers_of_claimed_tickets",
]


@dataclass(frozen=True)
class TicketList:
    """``len(tickets)`` of ``total`` matching tickets, from the ``offset``-th on."""

    tickets: list[Ticket] = field(default_factory=list)
    total: int = 0
    offset: int = 0

    @property
    def more(self) -> int:
        """How many matching tickets come after ``tickets``."""
        return max(self.total - self.offset - len(self.tickets), 0)


def _by_deadline(stmt: Select[tuple[Ticket]]) -> Select[tuple[Ticket]]:
    deadline = sla_deadline()
    return stmt.order_by(deadline.is_(None), deadline, Ticket.number)


async def _list(db: AsyncSession, where: ColumnElement[bool], limit: int | None, offset: int = 0) -> TicketList:
    """Open tickets matching ``where``, nearest deadline first (``limit`` of them from the
    ``offset``-th on), and how many there are."""
    stmt = _by_deadline(select(Ticket).where(where))
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    tickets = list((await db.execute(stmt)).scalars())
    if not offset and (limit is None or len(tickets) < limit):
        return TicketList(tickets, len(tickets))
    total = (await db.execute(select(func.count()).select_from(Ticket).where(where))).scalar_one()
    return TicketList(tickets, total, offset)


def _open(team_id: str) -> ColumnElement[bool]:
    return and_(Ticket.team_id == team_id, open_status())


def _in_tier(tier: str | None) -> ColumnElement[bool]:
    return Ticket.tier.is_(None) if tier is None else Ticket.tier == tier


async def open_queue(
    db: AsyncSession, team_id: str, *, tier_ids: Iterable[str | None] | None = None, limit: int | None = None,
    offset: int = 0,
) -> TicketList:
    """Open tickets of the given tiers (``None`` in ``tier_ids``: triage, no tier),
    nearest SLA deadline first, from the ``offset``-th on. ``tier_ids=None``: every open ticket."""
    where = _open(team_id)
    if tier_ids is not None:
        wanted = list(dict.fromkeys(tier_ids))  # one tier (the usual): its index, in order
        where = and_(where, or_(*(_in_tier(tier) for tier in wanted))) if wanted else false()
    return await _list(db, where, limit, offset)


async def open_tickets_of_user(db: AsyncSession, team_id: str, user_id: str, *, limit: int | None = None) -> TicketList:
    """Open tickets that ``user_id`` reported or holds, nearest SLA deadline first."""
    # Each side through its own index, then their rows in order: an OR of the two
    # columns reads every open ticket on SQLite, which cannot use either index for it.
    mine = union(select(Ticket.id).where(_open(team_id), Ticket.reporter_id == user_id),
                 select(Ticket.id).where(_open(team_id), Ticket.assignee_id == user_id)).subquery()
    return await _list(db, Ticket.id.in_(select(mine.c.id)), limit)


async def claimed_open_tickets(db: AsyncSession, team_id: str, user_id: str, *, limit: int | None = None) -> TicketList:
    """Open tickets ``user_id`` holds (is the assignee of), nearest SLA deadline first."""
    return await _list(db, and_(_open(team_id), Ticket.assignee_id == user_id), limit)


async def reported_open_tickets(db: AsyncSession, team_id: str, user_id: str, *, limit: int | None = None) -> TicketList:
    """Open tickets ``user_id`` reported, nearest SLA deadline first."""
    return await _list(db, and_(_open(team_id), Ticket.reporter_id == user_id), limit)


async def resolved_tickets_of_user(db: AsyncSession, team_id: str, user_id: str, *, limit: int = 10) -> list[Ticket]:
    """The ``limit`` most recently resolved tickets ``user_id`` reported, held or resolved."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.team_id == team_id,
            Ticket.status.in_(DONE_STATUSES),
            or_(Ticket.reporter_id == user_id, Ticket.assignee_id == user_id, Ticket.resolved_by == user_id),
        )
        .order_by(Ticket.resolved_at.is_(None), Ticket.resolved_at.desc(), Ticket.number.desc())
        .limit(limit)
    )
    return list((await db.execute(stmt)).scalars())


async def tiers_of_claimed_tickets(db: AsyncSession, team_id: str, user_id: str) -> list[str | None]:
    """The distinct tiers (``None``: triage) of the open tickets ``user_id`` holds."""
    # Not DISTINCT: SQLite would read the tier index's every open ticket for its order.
    stmt = select(Ticket.tier).where(_open(team_id), Ticket.assignee_id == user_id)
    return list(dict.fromkeys((await db.execute(stmt)).scalars()))


async def tickets_by_number(db: AsyncSession, team_id: str, numbers: Sequence[int]) -> dict[int, Ticket]:
    """The tickets of ``team_id`` with these numbers, by number (missing ones left out)."""
    if not numbers:
        return {}
    stmt = select(Ticket).where(Ticket.team_id == team_id, Ticket.number.in_(list(numbers)))
    return {ticket.number: ticket for ticket in (await db.execute(stmt)).scalars()}
