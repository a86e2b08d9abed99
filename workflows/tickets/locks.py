"""A ticket a person changes, found in their workspace and held for the rest of the transaction.

Every change to a ticket is decided under its row lock (``models/locks.py``, through
``get_ticket(for_update=True)``), so two clicks (or two replicas, or a click and a
thread reply) are serialised and the second sees the first one's result.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.log_context import bind_log_context
from models.ticket_queries import get_ticket, get_ticket_by_number
from models.tickets import Ticket
from workflows.errors import NotFound, TicketNotFound

__all__ = ["TicketGone", "lock_ticket"]


class TicketGone(NotFound):
    def __init__(self) -> None:
        super().__init__("That ticket no longer exists.")


async def lock_ticket(db: AsyncSession, *, team_id: str, ticket_id: int | None = None,
                      number: int | None = None) -> Ticket:
    """The ticket of ``team_id`` by id or number, its row held until the transaction ends;
    ``TicketNotFound`` (by number) or ``TicketGone`` (by id) when it is not theirs."""
    if ticket_id is not None:
        ticket = await get_ticket(db, ticket_id, for_update=True)
    else:
        assert number is not None, "a ticket id or number is needed"
        ticket = await get_ticket_by_number(db, team_id, number, for_update=True)
    if ticket is None or ticket.team_id != team_id:
        raise TicketNotFound(number) if number is not None else TicketGone()
    bind_log_context(ticket=ticket.number)
    return ticket
