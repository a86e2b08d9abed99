"""Replies in the thread of a ticket the desk is done with (``workflows/tickets/thread.py``
hands them here, in the transaction that records the reply).

- The reporter writes in a resolved ticket's thread: the lifecycle's ``customer reply``
  event reopens it (back to work, a fresh resolution target), unless it was merged into
  another ticket, whose thread they are pointed to instead.
- Anyone writes in a closed ticket's thread: it stays closed; the bot answers in the
  thread that it is closed, with *Open a follow-up ticket* (``workflows/tickets/follow_up.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import get_ticket
from models.tickets import Ticket
from workflows.outbox.enqueue import owe_card_update, owe_thread_post
from workflows.policy.schema import AppConfig
from workflows.tickets.lifecycle import reopen_in_place
from workflows.tickets.messages.closing import (
    build_closed_answer,
    closed_answer_text,
    merged_reply_text,
    reopened_by_reply_note,
)
from workflows.tickets.states import Event, allows, is_closed, is_open, transition_for

__all__ = ["answer_late_reply"]


async def answer_late_reply(db: AsyncSession, ticket: Ticket, *, user_id: str, config: AppConfig,
                            now: datetime) -> bool:
    """What a reply by ``user_id`` does to a resolved or closed ``ticket`` (locked); True
    when it did something (the card changed or the thread got an answer)."""
    if is_open(ticket.status):
        return False
    if is_closed(ticket.status):
        await owe_thread_post(db, ticket, now=now, text=closed_answer_text(ticket), blocks=build_closed_answer(ticket))
        return True
    if user_id != ticket.reporter_id or not allows(Event.CUSTOMER_REPLY, ticket.status):
        return False
    if ticket.merged_into_id is not None:
        target = await get_ticket(db, ticket.merged_into_id)
        await owe_thread_post(db, ticket, now=now, text=merged_reply_text(ticket, target))
        return True
    transition = transition_for(Event.CUSTOMER_REPLY, ticket.status, number=ticket.number)
    await reopen_in_place(db, ticket, transition, config=config, actor_id=user_id, now=now, by_reply=True)
    await owe_card_update(db, ticket, now=now)
    await owe_thread_post(db, ticket, now=now, text=reopened_by_reply_note(ticket))
    return True
