"""The ticket card's thread is the ticket's conversation.

Slack sends every message posted where the bot is a member as an Events API ``message``
event (``message.channels``, ``message.groups``). A reply in a ticket card's thread is
one whose ``thread_ts`` is the card's ``ts`` in the same channel. For each such reply
by a person:

- the timeline gets a ``replied`` row (actor: the author; ``at``: our clock, not the
  event's ts, which the author's client chose; detail: the reply's ts and the first
  :data:`REPLY_TEXT_MAX` characters of its text), whatever the ticket's status;
- the first reply by the support desk (:func:`answers_for_the_desk`: without ``roles``
  anyone other than the reporter; with them an agent, someone on call or an admin)
  records the first response
  (``first_response_at``/``first_response_by``, a ``first_response`` row) and the card
  is re-rendered so "First response" names who answered, and the ticket's pending
  first-response warning and breach are dropped from its SLA plan
  (``workflows.sla.schedule``). The claim is one conditional
  ``UPDATE ... WHERE first_response_at IS NULL``: two replicas, or two replies arriving
  at once, cannot both record it. (Redelivered events never get this far: ``bot/app.py``
  de-duplicates them by ``event_id``; and of an event replayed after it seemed lost,
  only one run records the reply, see :func:`record_thread_reply`.)
- a reply by the reporter on an open ticket resumes the resolution clock if the ticket
  was waiting on the customer (``workflows.sla.pauses``; a thread note says so) and,
  once the first response was given, starts the next-response clock (priorities with a
  ``next_response`` target; ``next_response_due_at``) unless one is already running;
- a reply by the desk stops a running next-response clock, and the response clock of the
  tier the ticket was escalated to (``tiers[].response``: a ``tier_response`` row says
  whether it was in time); with ``roles``, a reply by someone who is neither the
  reporter nor the desk is on the timeline and nothing else.

A ticket opened in a customer's channel (``customer_thread``) talks in the customer's
thread instead: a reply there is found by the ticket's source message and handled by
``workflows/tickets/customer_thread.py`` (copied into the card's thread, a customer's
message counting as the reporter's, an agent's as the response); in its card's thread
agents talk internally, and only a ``intake.send_prefix`` reply reaches the customer.
What a reply does to the clocks is ``workflows/tickets/responses.py``.
- a reply by anyone but the reporter starts a new quiet period (``desk_replied_at``,
  for ``tickets.update_every``); a reply in a resolved or closed ticket's thread is
  ``workflows/tickets/late_replies.py``'s (the reporter's reopens a resolved ticket).

A ticket that moved (``workflows/tickets/routing.py``) keeps its former cards' threads as
its conversation (``ticket_former_cards``): a reply there does all of the above, and the
first one after the move gets a short answer pointing to the ticket's card, claimed once
per former card (``models.ticket_queries.claim_former_card_pointer``).

Each reply is handled under the ticket's row lock (``workflows.tickets.locks``), so a
reporter's and an agent's reply arriving together are applied one after the other.

Messages that are not replies in a ticket thread cost two indexed look-ups
(``ix_tickets_channel_id_message_ts``, then ``ticket_former_cards``' primary key; with
``roles``, the author's roles are looked up first, from the cache of
``workflows/access/roles.py``) and write nothing; messages that are no thread replies at
all, edits, deletions and bot messages cost nothing (:func:`thread_reply_of`).
We never poll ``conversations.replies``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.deliveries import claim_processing
from models.ticket_queries import add_ticket_event, claim_former_card_pointer, find_ticket_by_thread, get_ticket
from models.tickets import Ticket, TicketEventKind
from workflows.block_text import user
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox, owe_card_link_post, owe_card_update, owe_thread_post
from workflows.sla.pauses import Resumed
from workflows.slack_text import COUNTED_SUBTYPES
from workflows.tickets.customer_thread import (
    find_customer_thread,
    take_card_thread_reply,
    take_customer_thread_message,
)
from workflows.tickets.responses import answers_for_the_desk, apply_reply
from workflows.tickets.late_replies import answer_late_reply
from workflows.tickets.messages.routing import former_thread_pointer
from workflows.tickets.waiting import resume_note

__all__ = [
    "REPLY_TEXT_MAX",
    "RecordedReply",
    "ThreadReply",
    "answers_for_the_desk",
    "record_thread_reply",
    "thread_reply_of",
]

log = logging.getLogger(__name__)

#: How much of a reply's text the timeline keeps.
REPLY_TEXT_MAX = 500
#: ``channel_type`` values of public and private channels (where ticket cards live).
CHANNEL_TYPES = frozenset({"channel", "group"})


@dataclass(frozen=True)
class ThreadReply:
    """A person's message in some thread, as plain values."""

    channel_id: str
    thread_ts: str
    user_id: str
    ts: str
    text: str


@dataclass(frozen=True)
class RecordedReply:
    """What :func:`record_thread_reply` did: the ticket it belongs to, whether this reply
    was its first response, resumed the resolution clock (``resumed``) or started or
    stopped the next-response clock (``next_response_changed``)."""

    ticket_id: int
    number: int
    first_response: bool
    resumed: Resumed | None = None
    next_response_changed: bool = False


def thread_reply_of(event: dict[str, Any], *, bot_user_id: str | None = None) -> ThreadReply | None:
    """The person's thread reply ``event`` is, or None for anything else.

    None for: messages outside threads and thread parents, edits and deletions and
    other subtypes, messages by bots (``bot_id`` or subtype ``bot_message``) or by
    ``bot_user_id``, and messages outside public and private channels.
    """
    subtype, channel_type = event.get("subtype"), event.get("channel_type")
    if event.get("type") != "message" or not isinstance(subtype, (str, type(None))) \
            or subtype not in COUNTED_SUBTYPES:
        return None
    if event.get("bot_id"):
        return None
    if channel_type is not None and (not isinstance(channel_type, str) or channel_type not in CHANNEL_TYPES):
        return None
    values = [event.get(key) for key in ("channel", "thread_ts", "user", "ts")]
    if not all(isinstance(value, str) and value for value in values):
        return None
    channel_id, thread_ts, user_id, ts = values
    if ts == thread_ts or (bot_user_id and user_id == bot_user_id):
        return None
    text = event.get("text")
    return ThreadReply(channel_id=channel_id, thread_ts=thread_ts, user_id=user_id, ts=ts,
                       text=text if isinstance(text, str) else "")


async def record_thread_reply(
    *, deps: Deps, team_id: str, channel_id: str, thread_ts: str, user_id: str, ts: str, text: str,
    event_id: str | None = None, user_team: str | None = None, home_team: str | None = None,
) -> RecordedReply | None:
    """Record a person's reply in the thread of ``thread_ts`` if that is a ticket card,
    or a ticket's customer thread (``workflows/tickets/customer_thread.py``).

    Returns None (and writes nothing) when ``thread_ts`` in ``channel_id`` is neither, or
    when the Events API event ``event_id`` was processed already (its
    replay and the run it replays both get here: only one records the reply, see
    ``models.deliveries.claim_processing``). The event is marked processed in the
    transaction that records the reply; the messages the reply owes go to Slack in a
    task of its own (``deps.spawn``), so a slow Slack never keeps the event unprocessed.
    The caller has already excluded bots and the bot itself (:func:`thread_reply_of`).
    ``team_id`` is the workspace the event came from; the card is identified by channel
    and ts alone, which Slack keeps unique. ``user_team``, ``home_team``: the author's
    Slack team and the workspace's, which tell a customer from the desk in a customer's
    thread when app.yaml has no ``roles``.
    """
    if ts == thread_ts:
        return None
    # Slack may be asked: before the transaction
    in_customer_thread = deps.config.customer_of_channel(channel_id) is not None
    desk = await answers_for_the_desk(deps=deps, user_id=user_id, home_team=home_team,
                                      user_team=user_team if in_customer_thread else None)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        if event_id is not None and not await claim_processing(db, event_id, now):
            log.info("event %s was processed already; the reply is not recorded twice", event_id)
            return None
        found = await find_ticket_by_thread(db, channel_id, thread_ts)
        customer_side = found is None
        if customer_side:
            found = await find_customer_thread(db, channel_id, thread_ts) if in_customer_thread else None
            if found is None:
                return None
        ticket = await get_ticket(db, found.id, for_update=True)
        assert ticket is not None, "tickets are never deleted"
        if not customer_side and (ticket.channel_id, ticket.message_ts) != (channel_id, thread_ts):
            await _point_to_card(db, ticket, channel_id=channel_id, thread_ts=thread_ts, user_id=user_id, now=now)
        if desk and user_id != ticket.reporter_id and (customer_side or ticket.customer_thread):
            ticket.desk_replied_at = now  # the desk spoke: a new quiet period (tickets.update_every)
        if customer_side:
            effect = await take_customer_thread_message(db, deps, ticket, user_id=user_id, ts=ts, text=text,
                                                        desk=desk, now=now)
        elif ticket.customer_thread:
            effect = await take_card_thread_reply(db, deps, ticket, user_id=user_id, ts=ts, text=text, desk=desk,
                                                  now=now)
        else:
            add_ticket_event(db, ticket, TicketEventKind.REPLIED, actor_id=user_id, at=now,
                             detail={"ts": ts, "text": text[:REPLY_TEXT_MAX]})
            if user_id != ticket.reporter_id:  # anyone but the reporter spoke: a new quiet period
                ticket.desk_replied_at = now
            await answer_late_reply(db, ticket, user_id=user_id, config=deps.config, now=now)
            effect = await apply_reply(db, ticket, config=deps.config, user_id=user_id, ts=ts, now=now,
                                       answers=desk and user_id != ticket.reporter_id,
                                       from_customer=user_id == ticket.reporter_id)
        recorded = RecordedReply(ticket_id=ticket.id, number=ticket.number, first_response=effect.first_response,
                                 resumed=effect.resumed, next_response_changed=effect.next_response_changed)
        if effect.changed:
            await owe_card_update(db, ticket, now=now)
        if effect.resumed is not None:
            await owe_thread_post(db, ticket, text=resume_note(effect.resumed, who=f"{user(user_id)} replied"),
                                  now=now)
    if effect.first_response:
        log.info("ticket #%s (team %s): first response by %s", recorded.number, team_id, user_id)
    if deps.spawn is not None:
        deps.spawn(_deliver(deps))
    else:
        await _deliver(deps)
    return recorded


async def _point_to_card(db: AsyncSession, ticket: Ticket, *, channel_id: str, thread_ts: str, user_id: str,
                         now: datetime) -> None:
    """A reply in the thread of a card ``ticket`` had before it moved: the first one there
    is answered with a pointer to its card (once per former card, whoever claims it)."""
    if await claim_former_card_pointer(db, channel_id=channel_id, message_ts=thread_ts, at=now):
        await owe_card_link_post(db, ticket, channel=channel_id, thread_ts=thread_ts, now=now,
                                 text=former_thread_pointer(ticket, user_id=user_id))


async def _deliver(deps: Deps) -> None:
    try:
        await deliver_outbox(deps)
    except Exception:  # noqa: BLE001 - a task of its own: nobody else would hear of it
        log.exception("the messages a thread reply owes are stored; the outbox relay sends them")
