"""What a message in a ticket's conversation does to its SLA clocks, in the transaction
that records it and under the ticket's row lock (``workflows/tickets/thread.py``: the
card's thread; ``workflows/tickets/customer_thread.py``: a customer's thread).

- the support desk answering (:func:`answers_for_the_desk`) records the first response
  once (:func:`claim_first_response`, one conditional UPDATE: two replicas, or two
  replies arriving together, cannot both record it) and stops a running next-response
  clock and the response clock of the tier the ticket was escalated to (``tiers[].response``:
  a ``tier_response`` row says whether it was in time);
- the customer writing (the reporter in the card's thread; any customer in their own
  thread) resumes the resolution clock of a ticket waiting on them and, once the first
  response was given, starts the next-response clock (priorities with a
  ``next_response`` target) unless one runs already.

Targets are read from the policy the ticket is measured by (its plan's, if any:
``workflows/policy/plans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.policy.schema import AppConfig
from workflows.sla.pauses import Resumed, resume_resolution_clock
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import add_target
from workflows.tickets.states import Event, allows, is_open, transition_for
from workflows.tickets.transitions import enter

__all__ = ["ReplyEffect", "answers_for_the_desk", "apply_reply", "claim_first_response"]


@dataclass(frozen=True)
class ReplyEffect:
    """Whether the message was the first response, resumed the resolution clock
    (``resumed``), or started or stopped the next-response clock."""

    first_response: bool = False
    resumed: Resumed | None = None
    next_response_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.first_response or self.resumed is not None or self.next_response_changed


async def apply_reply(db: AsyncSession, ticket: Ticket, *, config: AppConfig, user_id: str, ts: str,
                      now: datetime, answers: bool, from_customer: bool) -> ReplyEffect:
    """The message's effect on the ticket's clocks (``ticket`` locked by the caller):
    ``answers``: the desk answering the customer; ``from_customer``: the customer writing."""
    first = False
    if answers and ticket.first_response_at is None:
        first = await claim_first_response(db, ticket.id, user_id=user_id, at=now)
        if first:
            add_ticket_event(db, ticket, TicketEventKind.FIRST_RESPONSE, actor_id=user_id, at=now,
                             detail={"ts": ts, "seconds_open": int((now - ticket.created_at).total_seconds())})
            # The first-response clock stopped: its pending warning and breach go.
            set_committed_value(ticket, "first_response_at", now)
            set_committed_value(ticket, "first_response_by", user_id)
            await schedule_ticket_sla(db, ticket, config)
    if not is_open(ticket.status):
        return ReplyEffect(first_response=first)
    if answers:
        if ticket.next_response_due_at is None and ticket.tier_response_due_at is None:
            return ReplyEffect(first_response=first)
        ticket.next_response_due_at = None  # answered: the next-response clock stops
        if ticket.tier_response_due_at is not None:  # the tier it was escalated to answered
            add_ticket_event(db, ticket, TicketEventKind.TIER_RESPONSE, actor_id=user_id, at=now, detail={
                "tier": ticket.tier, "due_at": ticket.tier_response_due_at.isoformat(),
                "in_time": now <= ticket.tier_response_due_at})
            ticket.tier_response_due_at = None
        await schedule_ticket_sla(db, ticket, config)
        return ReplyEffect(first_response=first, next_response_changed=True)
    if not from_customer:
        return ReplyEffect(first_response=first)
    resumed = None
    if allows(Event.CUSTOMER_REPLY, ticket.status) and ticket.waiting_since is not None:
        transition = transition_for(Event.CUSTOMER_REPLY, ticket.status, number=ticket.number)
        resumed = await resume_resolution_clock(db, ticket, config=config, now=now)
        enter(db, ticket, transition, actor_id=user_id, now=now, detail=resumed.detail(by_reply=True))
    policy = ticket_policy(config, ticket)
    priority = policy.priorities.get(ticket.priority)
    target = priority.next_response if priority else None
    if target is None or ticket.first_response_at is None or ticket.next_response_due_at is not None:
        return ReplyEffect(first_response=first, resumed=resumed)
    ticket.next_response_due_at = add_target(now, target, business_hours=priority.business_hours,
                                             calendar=calendar_for(policy))
    await schedule_ticket_sla(db, ticket, config)
    return ReplyEffect(first_response=first, resumed=resumed, next_response_changed=True)


async def answers_for_the_desk(*, deps: Deps, user_id: str, user_team: str | None = None,
                               home_team: str | None = None) -> bool:
    """Whether a reply by ``user_id`` (someone other than the reporter) is the support
    desk answering: without a ``roles`` section, anyone's (but, given ``user_team`` and
    ``home_team``, only someone of the workspace's own team: in a customer's channel a
    Slack Connect guest is the customer); with one, an agent's (of a tier, of no tier,
    or on call: ``roles.oncall`` and the people of the on-call rotation) or an admin's
    (``workflows/access/roles.py``, the authority matrix's agents). Anyone else may talk
    in the thread; it is on the timeline but stops no clock."""
    if deps.config.roles is None:
        return not (user_team and home_team and user_team != home_team)
    actor = await roles_of(deps=deps, user_id=user_id)
    return actor.is_agent or actor.admin


async def claim_first_response(db: AsyncSession, ticket_id: int, *, user_id: str, at: datetime) -> bool:
    """Set the first response unless it is set; True if this call set it.

    One conditional UPDATE: on Postgres the row lock makes a concurrent claimer wait and
    then re-check ``first_response_at IS NULL`` (false by then); SQLite serialises
    writers. The in-memory ticket is left alone; the card is rendered from a reload.
    """
    stmt = (
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.first_response_at.is_(None))
        .values(first_response_at=at, first_response_by=user_id)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(stmt)).first() is not None
