"""Escalation: a ticket moves up its category's path, and the next tier is asked in.

``record_escalation`` changes state inside the caller's transaction (so the SLA engine
can escalate in the transaction that claims a breach); ``owe_escalation_messages`` owes,
in the same transaction, the request to the next tier, the re-rendered card and the note
in the thread (``workflows/outbox/enqueue.py``). ``escalate_ticket`` is both, for `/escalate`
and the card's Escalate button.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from workflows.policy.durations import format_duration
from workflows.log_context import bind_log_context
from models.ticket_queries import add_ticket_event, get_ticket, get_ticket_by_number
from models.tickets import Ticket, TicketEvent, TicketEventKind
from workflows.access.authority import Operation
from workflows.escalation.messages import (
    EscalationFacts,
    build_escalation_request,
    escalation_request_text,
    thread_note,
)
from workflows.tickets.messages.card import tier_label
from workflows.deps import Deps
from workflows.errors import InvalidState, TicketNotFound
from workflows.incidents.declare import declare_incident_on_escalation
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.tickets.assignment import auto_assign
from workflows.tickets.notices import owe_escalated_notice
from workflows.tickets.states import require_open

log = logging.getLogger(__name__)


async def _attempts(db: AsyncSession, ticket_id: int) -> int:
    stmt = select(func.count()).select_from(TicketEvent).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == TicketEventKind.REPLIED
    )
    return int((await db.execute(stmt)).scalar_one())


def _time_open(ticket: Ticket, now: datetime) -> str:
    minutes = max(0, int((now - ticket.created_at).total_seconds() // 60))
    return format_duration(timedelta(minutes=minutes)) if minutes else "under a minute"


async def record_escalation(
    db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime, actor_id: str | None, reason: str,
    impact: str | None = None,
) -> EscalationFacts:
    """Move ``ticket`` (locked by the caller) one tier up; raise InvalidState when it cannot."""
    require_open(ticket, f"(`/ticket reopen #{ticket.number}`) before escalating")
    to_tier = config.next_tier(ticket.category, ticket.tier)
    if to_tier is None:
        path = config.escalation_path(ticket.category)
        last = path[-1].name if path else tier_label(config, ticket.tier)
        raise InvalidState(f"#{ticket.number} is already at the last tier of its escalation path ({last}).")
    facts = EscalationFacts(
        ticket=ticket, from_tier=ticket.tier, to_tier=to_tier, reason=reason, impact=impact,
        time_open=_time_open(ticket, now), attempts=await _attempts(db, ticket.id), escalated_by=actor_id,
    )
    ticket.tier = to_tier.id
    ticket.escalation_count += 1
    add_ticket_event(db, ticket, TicketEventKind.ESCALATED, actor_id=actor_id, at=now, detail={
        "from": facts.from_tier, "to": to_tier.id, "reason": reason, "impact": impact, "automatic": actor_id is None,
    })
    return facts


async def owe_escalation_messages(db: AsyncSession, *, config: AppConfig, now: datetime, facts: EscalationFacts,
                                  note_in_thread: bool = True) -> None:
    """In the escalation's transaction: the request to the new tier's channel, the card
    re-rendered and (``note_in_thread``) a note in the ticket's thread."""
    await owe_post(db, channel=facts.to_tier.channel, text=escalation_request_text(facts), now=now,
                   blocks=build_escalation_request(facts, config))
    await owe_card_update(db, facts.ticket, now=now)
    if note_in_thread:
        await owe_thread_post(db, facts.ticket, text=thread_note(facts), now=now)
    await auto_assign(db, facts.ticket, config=config, now=now)  # a tier that assigns gives it to one of its members
    await owe_escalated_notice(db, facts.ticket, config=config, now=now, tier=facts.to_tier)  # messages.escalated


async def escalate_ticket(
    *, deps: Deps, team_id: str, actor_id: str, reason: str, impact: str | None = None,
    number: int | None = None, ticket_id: int | None = None,
) -> EscalationFacts:
    """`/escalate #N reason` and the card's Escalate button: one tier up, announced."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        if ticket_id is not None:
            ticket = await get_ticket(db, ticket_id, for_update=True)
        else:
            assert number is not None
            ticket = await get_ticket_by_number(db, team_id, number, for_update=True)
        if ticket is None or ticket.team_id != team_id:
            raise TicketNotFound(number if number is not None else 0)
        bind_log_context(ticket=ticket.number)
        to_tier = deps.config.next_tier(ticket.category, ticket.tier)
        await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.ESCALATE_TICKET, ticket=ticket,
                                      to_tier=to_tier.id if to_tier else None)
        facts = await record_escalation(db, ticket, config=deps.config, now=deps.clock(), actor_id=actor_id,
                                        reason=reason, impact=impact)
        await owe_escalation_messages(db, config=deps.config, now=deps.clock(), facts=facts)
    await deliver_outbox(deps)
    await declare_incident_on_escalation(deps=deps, ticket=facts.ticket, actor_id=actor_id)  # P0 only
    return facts
