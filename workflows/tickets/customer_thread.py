"""A customer's thread as the ticket's conversation (tickets opened in a customer's channel).

Such a ticket (``customer_thread``) has two threads: the customer's (under the message it
was opened from, in their channel) and the card's (internal, in the tier's channel).

- Every message in the customer's thread is copied into the card's thread, marked as
  from the customer or as an agent's reply there (:func:`take_customer_thread_message`).
  A customer's message counts as the reporter's (it resumes a ticket waiting on the
  customer, starts the next-response clock); an agent's is the response (first
  response, next response).
- In the card's thread agents talk among themselves: nothing said there reaches the
  customer and it stops no clock, except a reply starting with ``intake.send_prefix``
  (``!reply``: :func:`take_card_thread_reply`) or a message sent with the *Send to
  customer* message action (:func:`send_to_customer`). The bot posts it in the
  customer's thread, naming the agent, once per message (a ``sent_to_customer`` row per
  message ts, decided under the ticket's row lock), and it counts as the response.
- The resolution goes to the customer's thread (``workflows/tickets/lifecycle.py``).

Who is the customer: with ``roles``, anyone who is not an agent or an admin; without,
anyone of another Slack team than the workspace's (``answers_for_the_desk``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event, find_ticket_by_thread
from models.tickets import Ticket, TicketEvent, TicketEventKind
from workflows.deps import Deps
from workflows.errors import InvalidRequest, NotAllowed
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.customer import (
    customer_copy_text,
    sent_note_text,
    sent_to_customer_text,
)
from workflows.tickets.responses import ReplyEffect, answers_for_the_desk, apply_reply

log = logging.getLogger(__name__)

__all__ = ["find_customer_thread", "outgoing_text", "owe_to_customer", "send_to_customer",
           "take_card_thread_reply", "take_customer_thread_message"]

REPLY_TEXT_MAX = 500


async def find_customer_thread(db: AsyncSession, channel_id: str, thread_ts: str) -> Ticket | None:
    """The ticket whose customer's thread is the thread of ``thread_ts`` in ``channel_id``."""
    return (await db.execute(select(Ticket).where(
        Ticket.source_channel_id == channel_id, Ticket.source_ts == thread_ts,
        Ticket.customer_thread.is_(True)))).scalar_one_or_none()


async def owe_to_customer(db: AsyncSession, ticket: Ticket, *, text: str, now: datetime,
                          blocks: list | None = None) -> bool:
    """A post in the ticket's customer thread (False: the ticket has none)."""
    if not (ticket.customer_thread and ticket.source_channel_id and ticket.source_ts):
        return False
    await owe_post(db, channel=ticket.source_channel_id, thread_ts=ticket.source_ts, text=text, blocks=blocks,
                   now=now)
    return True


def outgoing_text(text: str, prefix: str | None) -> str | None:
    """What follows ``prefix`` at the start of ``text`` (None: not meant for the customer)."""
    if not prefix:
        return None
    stripped = text.lstrip()
    if not stripped.startswith(prefix) or (stripped[len(prefix):len(prefix) + 1] or " ").strip():
        return None
    body = stripped[len(prefix):].strip()
    return body or None


async def take_customer_thread_message(db: AsyncSession, deps: Deps, ticket: Ticket, *, user_id: str, ts: str,
                                       text: str, desk: bool, now: datetime) -> ReplyEffect:
    """A message in the customer's thread (``ticket`` locked): on the timeline, copied into
    the card's thread, and applied to the clocks (``desk``: the author answers for the desk)."""
    add_ticket_event(db, ticket, TicketEventKind.REPLIED, actor_id=user_id, at=now,
                     detail={"ts": ts, "text": text[:REPLY_TEXT_MAX], "customer_thread": True})
    await owe_thread_post(db, ticket, now=now, text=customer_copy_text(
        author_id=user_id, text=text, from_customer=not desk, customer=ticket.customer))
    return await apply_reply(db, ticket, config=deps.config, user_id=user_id, ts=ts, now=now,
                             answers=desk and user_id != ticket.reporter_id, from_customer=not desk)


async def take_card_thread_reply(db: AsyncSession, deps: Deps, ticket: Ticket, *, user_id: str, ts: str,
                                 text: str, desk: bool, now: datetime) -> ReplyEffect:
    """A reply in the card's thread of a customer-thread ticket (``ticket`` locked):
    internal (on the timeline, nothing else) unless it starts with ``intake.send_prefix``."""
    add_ticket_event(db, ticket, TicketEventKind.REPLIED, actor_id=user_id, at=now,
                     detail={"ts": ts, "text": text[:REPLY_TEXT_MAX]})
    body = outgoing_text(text, deps.config.intake.send_prefix)
    if body is None:
        return ReplyEffect()
    if not desk:
        log.info("ticket #%s: %s is not an agent; their %s reply stays internal", ticket.number, user_id,
                 deps.config.intake.send_prefix)
        return ReplyEffect()
    return await _send(db, deps, ticket, author_id=user_id, actor_id=user_id, ts=ts, text=body, now=now) \
        or ReplyEffect()


async def _send(db: AsyncSession, deps: Deps, ticket: Ticket, *, author_id: str, actor_id: str, ts: str,
                text: str, now: datetime) -> ReplyEffect | None:
    """Owe ``text`` to the customer's thread once per message ``ts`` (None: sent before)."""
    sent = await db.execute(select(TicketEvent.detail).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.SENT_TO_CUSTOMER))
    if any((detail or {}).get("ts") == ts for detail in sent.scalars()):
        return None
    if not await owe_to_customer(db, ticket, text=sent_to_customer_text(author_id=author_id, text=text), now=now):
        return None
    add_ticket_event(db, ticket, TicketEventKind.SENT_TO_CUSTOMER, actor_id=actor_id, at=now,
                     detail={"ts": ts, "author": author_id, "text": text[:REPLY_TEXT_MAX]})
    await owe_thread_post(db, ticket, now=now, text=sent_note_text(author_id=author_id, actor_id=actor_id,
                                                                    customer=ticket.customer))
    return await apply_reply(db, ticket, config=deps.config, user_id=author_id, ts=ts, now=now,
                             answers=author_id != ticket.reporter_id, from_customer=False)


async def send_to_customer(*, deps: Deps, team_id: str, channel_id: str, thread_ts: str | None, ts: str,
                           text: str, author_id: str | None, actor_id: str) -> str:
    """The *Send to customer* message action on message ``ts`` (by ``author_id``) in the
    card's thread of a customer-thread ticket: post it in the customer's thread, once.
    Returns what to tell ``actor_id``; raises InvalidRequest/NotAllowed otherwise."""
    if not thread_ts or thread_ts == ts:
        raise InvalidRequest("*Send to customer* works on a reply in a ticket card's thread.")
    if not await answers_for_the_desk(deps=deps, user_id=actor_id):
        raise NotAllowed("Only agents can send messages to a customer.")
    body = text.strip()
    async with deps.sessions() as db:
        found = await find_ticket_by_thread(db, channel_id, thread_ts)
    if found is None or found.team_id != team_id:
        raise InvalidRequest("*Send to customer* works on a reply in a ticket card's thread.")
    if not found.customer_thread:
        raise InvalidRequest(f"#{found.number} was not opened in a customer's channel: there is no customer "
                             "thread to send to.")
    if not body:
        raise InvalidRequest("That message has no text to send.")
    now = deps.clock()
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=found.id)
        effect = await _send(db, deps, ticket, author_id=author_id or actor_id, actor_id=actor_id, ts=ts,
                             text=body, now=now)
        if effect is not None and effect.changed:
            await owe_card_update(db, ticket, now=now)
    if effect is None:
        return f"That message was already sent to the customer's thread of #{ticket.number}."
    await deliver_outbox(deps)
    return f"Sent to the customer's thread of #{ticket.number}."
