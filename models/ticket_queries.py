"""Ticket look-ups and timeline writes that several workflows share.

``for_update=True`` holds the ticket's row until the transaction ends, on both
databases (``models/locks.py``): every change to a ticket is decided under it, so two
clicks (or two replicas, or a click and a thread reply) are serialised and the second
sees the first one's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.locks import lock_row
from models.base import insert_ignore
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketFormerCard, TicketStatus, TicketWatcher


async def _one(db: AsyncSession, where: ColumnElement[bool], for_update: bool) -> Ticket | None:
    if for_update:
        return await lock_row(db, Ticket, where)
    return (await db.execute(select(Ticket).where(where))).scalar_one_or_none()


async def get_ticket(db: AsyncSession, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
    """The ticket with id ``ticket_id`` (any workspace)."""
    return await _one(db, Ticket.id == ticket_id, for_update)


async def get_ticket_by_number(db: AsyncSession, team_id: str, number: int, *, for_update: bool = False) -> Ticket | None:
    return await _one(db, (Ticket.team_id == team_id) & (Ticket.number == number), for_update)


async def find_ticket_by_card(db: AsyncSession, channel_id: str, message_ts: str, *, for_update: bool = False) -> Ticket | None:
    """The ticket whose card is the message ``message_ts`` in ``channel_id`` (its thread root)."""
    return await _one(db, (Ticket.channel_id == channel_id) & (Ticket.message_ts == message_ts), for_update)


async def find_ticket_by_thread(db: AsyncSession, channel_id: str, thread_ts: str) -> Ticket | None:
    """The ticket whose conversation the thread of ``thread_ts`` in ``channel_id`` is: its
    card's, or that of a card it had before it moved. Two look-ups by index
    (``ix_tickets_channel_id_message_ts``, then ``ticket_former_cards``' primary key)."""
    found = await find_ticket_by_card(db, channel_id, thread_ts)
    if found is not None:
        return found
    former = (select(TicketFormerCard.ticket_id)
              .where(TicketFormerCard.channel_id == channel_id, TicketFormerCard.message_ts == thread_ts)
              .scalar_subquery())
    return await _one(db, Ticket.id == former, False)


async def add_former_card(db: AsyncSession, ticket_id: int, *, channel_id: str, message_ts: str,
                          at: datetime) -> None:
    """Remember a card the ticket leaves behind (a move): its thread stays the conversation."""
    await insert_ignore(db, TicketFormerCard, {"channel_id": channel_id, "message_ts": message_ts,
                                               "ticket_id": ticket_id, "moved_at": at})


async def claim_former_card_pointer(db: AsyncSession, *, channel_id: str, message_ts: str, at: datetime) -> bool:
    """True once per former card: the first reply in its thread after the move is owed a
    pointer to the ticket's card (a conditional update: two replicas never both win)."""
    result = await db.execute(
        update(TicketFormerCard)
        .where(TicketFormerCard.channel_id == channel_id, TicketFormerCard.message_ts == message_ts,
               TicketFormerCard.pointed_at.is_(None))
        .values(pointed_at=at).returning(TicketFormerCard.ticket_id)
        .execution_options(synchronize_session=False))
    return result.first() is not None


def add_ticket_event(
    db: AsyncSession, ticket: Ticket, kind: TicketEventKind, *, actor_id: str | None, at: datetime,
    detail: dict[str, Any] | None = None,
) -> TicketEvent:
    """Append a timeline row (in the caller's transaction) and touch ``updated_at``."""
    event = TicketEvent(ticket_id=ticket.id, kind=kind, actor_id=actor_id, at=at, detail=detail)
    db.add(event)
    ticket.updated_at = at
    return event


async def ticket_events(db: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id)
    return list((await db.execute(stmt)).scalars())


async def record_card(db: AsyncSession, ticket_id: int, *, channel_id: str, message_ts: str) -> None:
    """Remember where the ticket's card was posted (its thread is the conversation)."""
    await db.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.message_ts.is_(None))
                     .values(channel_id=channel_id, message_ts=message_ts).execution_options(synchronize_session=False))


async def record_card_permalink(db: AsyncSession, ticket_id: int, permalink: str) -> None:
    await db.execute(update(Ticket).where(Ticket.id == ticket_id).values(permalink=permalink)
                     .execution_options(synchronize_session=False))


async def record_source_permalink(db: AsyncSession, ticket_id: int, permalink: str) -> None:
    """The link to the Slack message the ticket was opened from."""
    await db.execute(update(Ticket).where(Ticket.id == ticket_id).values(source_permalink=permalink)
                     .execution_options(synchronize_session=False))


async def add_watcher(db: AsyncSession, ticket_id: int, user_id: str, *, via_ticket_id: int | None,
                      at: datetime) -> bool:
    """Make ``user_id`` a watcher of the ticket (they hear its outcome); False if they were."""
    return await insert_ignore(db, TicketWatcher, {"ticket_id": ticket_id, "user_id": user_id,
                                                   "via_ticket_id": via_ticket_id, "added_at": at})


async def watchers_of(db: AsyncSession, ticket_id: int) -> list[TicketWatcher]:
    stmt = select(TicketWatcher).where(TicketWatcher.ticket_id == ticket_id).order_by(TicketWatcher.added_at,
                                                                                         TicketWatcher.user_id)
    return list((await db.execute(stmt)).scalars())


async def resolved_before(db: AsyncSession, cutoff: datetime, *, limit: int) -> list[tuple[int, datetime]]:
    """Resolved tickets (not closed) resolved at or before ``cutoff``, oldest first: each
    one's id and when it was resolved."""
    stmt = (select(Ticket.id, Ticket.resolved_at).where(Ticket.status == TicketStatus.RESOLVED,
                                                        Ticket.resolved_at <= cutoff)
            .order_by(Ticket.resolved_at, Ticket.id).limit(limit))
    return [(ticket_id, resolved_at) for ticket_id, resolved_at in (await db.execute(stmt)).all()]


async def oldest_resolution(db: AsyncSession) -> datetime | None:
    """When the longest-resolved ticket still not closed was resolved (None: there is none)."""
    stmt = select(func.min(Ticket.resolved_at)).where(Ticket.status == TicketStatus.RESOLVED)
    return (await db.execute(stmt)).scalar_one_or_none()


def _quiet(statuses: Sequence[TicketStatus]) -> ColumnElement[bool]:
    """Tickets in ``statuses`` whose current quiet period has had no reminder yet."""
    return and_(Ticket.status.in_(list(statuses)), Ticket.desk_replied_at.is_not(None),
                or_(Ticket.update_reminded_for.is_(None), Ticket.update_reminded_for != Ticket.desk_replied_at))


async def quiet_since_before(db: AsyncSession, cutoff: datetime, statuses: Sequence[TicketStatus], *,
                             limit: int) -> list[int]:
    """Ids of tickets in ``statuses`` where nobody but the reporter has written since
    ``cutoff`` or earlier, not yet reminded for that quiet period, oldest first."""
    stmt = (select(Ticket.id).where(_quiet(statuses), Ticket.desk_replied_at <= cutoff)
            .order_by(Ticket.desk_replied_at, Ticket.id).limit(limit))
    return list((await db.execute(stmt)).scalars())


async def oldest_quiet(db: AsyncSession, statuses: Sequence[TicketStatus]) -> datetime | None:
    """The start of the oldest quiet period still owed a reminder (None: none)."""
    return (await db.execute(select(func.min(Ticket.desk_replied_at)).where(_quiet(statuses)))).scalar_one_or_none()
