"""Holding a ticket's row for the rest of the transaction, on Postgres and on SQLite.

Every change to a ticket is decided under this lock, so two clicks (or two replicas, or
a click and a thread reply) are serialised and the second sees the first one's result.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.log_context import bind_log_context
from models.base import dialect_name
from models.ticket_queries import get_ticket, get_ticket_by_number
from models.tickets import Ticket
from workflows.errors import NotFound, TicketNotFound

__all__ = ["TicketGone", "lock_ticket", "relock_ticket"]


class TicketGone(NotFound):
    def __init__(self) -> None:
        super().__init__("That ticket no longer exists.")


async def _take_sqlite_write_lock(db: AsyncSession, match) -> None:
    if dialect_name(db) == "sqlite":
        await db.execute(update(Ticket).where(match).values(updated_at=Ticket.updated_at)
                         .execution_options(synchronize_session=False))


async def lock_ticket(db: AsyncSession, *, team_id: str, ticket_id: int | None = None,
                      number: int | None = None) -> Ticket:
    """The ticket of ``team_id`` by id or number, its row held until the transaction ends.

    Postgres: ``SELECT ... FOR UPDATE``. SQLite ignores FOR UPDATE and its driver runs a
    SELECT that comes before any write outside the write transaction, so a no-op UPDATE
    first takes SQLite's (database-wide) write lock: the read after it sees every earlier
    commit, and no other writer gets in before we commit.
    """
    await _take_sqlite_write_lock(db, Ticket.id == ticket_id if ticket_id is not None else (
        (Ticket.team_id == team_id) & (Ticket.number == number)))
    if ticket_id is not None:
        ticket = await get_ticket(db, ticket_id, for_update=True)
    else:
        assert number is not None, "a ticket id or number is needed"
        ticket = await get_ticket_by_number(db, team_id, number, for_update=True)
    if ticket is None or ticket.team_id != team_id:
        raise TicketNotFound(number) if number is not None else TicketGone()
    bind_log_context(ticket=ticket.number)
    return ticket


async def relock_ticket(db: AsyncSession, ticket: Ticket) -> Ticket:
    """Lock a ticket this session already loaded and re-read it under the lock."""
    await _take_sqlite_write_lock(db, Ticket.id == ticket.id)
    await db.refresh(ticket, with_for_update=True)
    return ticket


async def lock_ticket_row(db: AsyncSession, ticket_id: int) -> Ticket | None:
    """Lock the ticket with id ``ticket_id`` (any workspace) for a background job; None if gone."""
    await _take_sqlite_write_lock(db, Ticket.id == ticket_id)
    return await get_ticket(db, ticket_id, for_update=True)
