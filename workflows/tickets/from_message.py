"""Opening a ticket from a Slack message: a reaction on it, a customer's message in their
channel, or "Open a ticket" under it (``workflows/intake``).

    opened = await open_ticket_from_message(deps=deps, team_id=home_team, message=SourceMessage(...),
                                            opened_by="U0AGENT", via="reaction")
    opened.ticket.number, opened.created        # created False: the message had its ticket already

The ticket: summary = the message's first line (capped), description = its text,
reporter = its author, category = the channel's customer's ``category`` (else "Unsorted",
which no tier takes: the triage channel), the lowest priority until someone triages it,
customer and plan = the channel's customer's. The card links the message; the message's
thread gets one reply naming ``#N``: in a customer's channel in words for the customer
(the card is internal: no link to it), elsewhere with a link to the card.

One message opens at most one ticket: ``tickets`` holds a unique
``(source_channel_id, source_ts)``, so a second reaction, a redelivered or replayed
event, two replicas racing, all end with the one ticket (the loser's transaction rolls
back, giving its number back, and reads the winner's). Nothing is stored for a message
that has its ticket already.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.deliveries import claim_processing
from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind, next_ticket_number
from workflows.access.privacy import is_private_conversation
from workflows.block_text import cap, escape, user
from workflows.deps import Deps
from workflows.outbox.enqueue import CARD_LINK_TEXT, deliver_outbox, owe_card, owe_card_link_post, owe_post
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import plan_policy
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import due_times
from workflows.slack_reads import permalink_of
from workflows.slack_text import plain_text, summary_from_message
from workflows.tickets.assignment import auto_assign
from workflows.tickets.messages.form import DESCRIPTION_MAX
from workflows.tickets.states import INITIAL

log = logging.getLogger(__name__)

__all__ = ["UNSORTED", "MessageTicket", "SourceMessage", "find_ticket_by_source", "open_ticket_from_message"]

#: The category of a ticket opened from a message that no customer's category covers.
UNSORTED = "Unsorted"


@dataclass(frozen=True)
class SourceMessage:
    """The message a ticket is opened from, as plain values."""

    channel_id: str
    ts: str
    user_id: str
    text: str
    top_level: bool = True  # not a reply in a thread: in a customer's channel, its thread is the talk


@dataclass(frozen=True)
class MessageTicket:
    """The message's ticket; ``created``: opened by this call (else it had one already)."""

    ticket: Ticket
    created: bool


async def find_ticket_by_source(db: AsyncSession, channel_id: str, ts: str) -> Ticket | None:
    """The ticket opened from message ``ts`` of ``channel_id``, if any."""
    return (await db.execute(select(Ticket).where(Ticket.source_channel_id == channel_id,
                                                  Ticket.source_ts == ts))).scalar_one_or_none()


async def open_ticket_from_message(*, deps: Deps, team_id: str, message: SourceMessage, opened_by: str,
                                   via: str, event_id: str | None = None) -> MessageTicket | None:
    """Open the message's ticket unless it has one (see the module docstring). ``via``
    says how (``reaction``, ``customer_channel``, ``ask``) on the timeline; ``event_id``:
    the Events API event this is the effect of, marked processed in the same
    transaction (None: an event already processed, replayed by another run)."""
    async with deps.sessions() as db:
        existing = await find_ticket_by_source(db, message.channel_id, message.ts)
    if existing is not None:
        return MessageTicket(existing, created=False)
    customer = deps.config.customer_of_channel(message.channel_id)
    private = customer is None and await is_private_conversation(deps.slack, message.channel_id)
    source_link = await permalink_of(deps.slack, message.channel_id, message.ts)  # before the transaction
    try:
        async with deps.sessions.begin() as db:
            if event_id is not None and not await claim_processing(db, event_id, deps.clock()):
                return None
            ticket = await _create(db, deps, team_id=team_id, message=message, opened_by=opened_by, via=via,
                                   private=private, source_link=source_link)
    except IntegrityError:  # another run opened it first: that one is the message's ticket
        async with deps.sessions() as db:
            existing = await find_ticket_by_source(db, message.channel_id, message.ts)
        if existing is None:
            raise
        log.info("message %s/%s has ticket #%s already", message.channel_id, message.ts, existing.number)
        return MessageTicket(existing, created=False)
    log.info("ticket #%s opened from message %s/%s (%s, by %s)", ticket.number, message.channel_id, message.ts,
             via, opened_by)
    await deliver_outbox(deps)
    return MessageTicket(ticket, created=True)


async def _create(db: AsyncSession, deps: Deps, *, team_id: str, message: SourceMessage, opened_by: str, via: str,
                  private: bool, source_link: str | None) -> Ticket:
    config = deps.config
    customer = config.customer_of_channel(message.channel_id)
    category = customer.category if customer and customer.category else UNSORTED
    found = config.category(category)
    category = found.name if found is not None else category
    priority = list(config.priorities)[-1]  # the lowest, until someone triages it
    plan = customer.plan if customer else None
    policy = plan_policy(config, plan)
    now = deps.clock()
    due = due_times(now, config=policy, priority=priority, category=category, calendar=calendar_for(policy))
    tier = config.initial_tier(category)
    summary = summary_from_message(message.text) or f"Message from {message.user_id}"
    ticket = Ticket(
        team_id=team_id, number=await next_ticket_number(db, team_id), summary=summary,
        description=cap(plain_text(message.text, keep_urls=True).strip(), DESCRIPTION_MAX) or None,
        category=category, priority=priority, tier=tier.id if tier else None, status=INITIAL,
        reporter_id=message.user_id, customer=customer.name if customer else None, private=private,
        origin_channel_id=message.channel_id, channel_id=config.channel_for_category(category),
        source_permalink=source_link, source_channel_id=message.channel_id, source_ts=message.ts,
        customer_thread=customer is not None and message.top_level, plan=plan,
        created_at=now, updated_at=now, desk_replied_at=now, first_response_due_at=due.first_response, resolution_due_at=due.resolution,
    )
    db.add(ticket)
    await db.flush()  # the unique source message: a second ticket of it fails here
    add_ticket_event(db, ticket, TicketEventKind.CREATED, actor_id=opened_by, at=now, detail={
        "priority": priority, "category": category, "tier": ticket.tier, "via": via, "reporter": message.user_id,
        "source": {"channel": message.channel_id, "ts": message.ts}})
    await schedule_ticket_sla(db, ticket, policy)
    await owe_card(db, ticket, now=now)
    await auto_assign(db, ticket, config=config, now=now)  # after the card: its note goes under it
    if customer is not None:  # the customer reads this thread: no link to the internal card
        await owe_post(db, channel=message.channel_id, thread_ts=message.ts, now=now, text=(
            f"Thanks, {user(message.user_id)}: this is ticket *#{ticket.number}*. "
            "The support team will answer in this thread."))
    else:
        await owe_card_link_post(db, ticket, channel=message.channel_id, thread_ts=message.ts, now=now, text=(
            f"{user(opened_by)} opened ticket *#{ticket.number}* from this message: "
            f"{escape(cap(summary, 150))} ({CARD_LINK_TEXT})"))
    return ticket
