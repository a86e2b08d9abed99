"""Escalation: a ticket moves up its category's path, and the next tier is asked in.

``record_escalation`` changes state inside the caller's transaction (so the SLA engine
can escalate in the transaction that claims a breach); ``owe_escalation_messages`` owes,
in the same transaction, the request to the next tier, the re-rendered card and the note
in the thread (``workflows/outbox/enqueue.py``). ``escalate_in_transaction`` is both, and
pages on-call when the new tier has ``page: true`` (every escalation into it, by hand or
automatic); ``escalate_ticket`` runs it for `/escalate`, the card's Escalate button and
the escalate form, then sends what it owes (``announce_escalation``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
    mention_markup,
    reporter_escalation_text,
    thread_note,
)
from workflows.paging.roster import on_duty
from workflows.policy.calendars import calendar_for
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import add_target
from workflows.policy.desk import Tier
from workflows.tickets.messages.card import priority_label, tier_label
from workflows.deps import Deps
from workflows.errors import InvalidState, TicketNotFound
from workflows.incidents.declare import declare_incident_on_escalation
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.paging.pager import PageRecord, announce_page, record_ticket_page
from workflows.tickets.assignment import auto_assign
from workflows.tickets.customer_thread import owe_to_customer
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
    impact: str | None = None, rule: str | None = None,
) -> EscalationFacts:
    """Move ``ticket`` (locked by the caller) one tier up; raise InvalidState when it cannot.
    ``rule``: the rule of the escalation matrix that moved it (None: a person did)."""
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
    start_tier_clock(ticket, to_tier, config=config, now=now)
    add_ticket_event(db, ticket, TicketEventKind.ESCALATED, actor_id=actor_id, at=now, detail={
        "from": facts.from_tier, "to": to_tier.id, "reason": reason, "impact": impact, "automatic": actor_id is None,
        **({"rule": rule} if rule else {}),
    })
    # The new tier's clocks and timed escalations; what fell due before now stays as it is.
    await schedule_ticket_sla(db, ticket, config, ahead_of=now)
    return facts


def start_tier_clock(ticket: Ticket, tier: Tier, *, config: AppConfig, now: datetime) -> None:
    """The ticket entered ``tier`` at ``now``: its stay there counts from now, and the
    tier's ``response`` clock (if it has one) runs, on the priority's clock."""
    ticket.tier_entered_at = now
    ticket.tier_response_due_at = None
    priority = config.priorities.get(ticket.priority)
    if tier.response is not None and priority is not None:
        ticket.tier_response_due_at = add_target(now, tier.response, business_hours=priority.business_hours,
                                                 calendar=calendar_for(config))


async def _mention(db: AsyncSession, config: AppConfig, tier: Tier, now: datetime) -> str | None:
    """Who the request to ``tier`` mentions (its ``mention``), as Slack markup."""
    if tier.mention != "oncall":
        return mention_markup(tier.mention)
    return mention_markup("oncall", oncall_primary=(await on_duty(db, config, now)).primary)


async def owe_escalation_messages(db: AsyncSession, *, config: AppConfig, now: datetime, facts: EscalationFacts,
                                  note_in_thread: bool = True) -> None:
    """In the escalation's transaction: the request to the new tier's channel, the card
    re-rendered, (``note_in_thread``) a note in the ticket's thread, and a DM telling the
    reporter their ticket moved to a specialist team, with its response target."""
    mention = await _mention(db, config, facts.to_tier, now)
    await owe_post(db, channel=facts.to_tier.channel, text=escalation_request_text(facts, mention), now=now,
                   blocks=build_escalation_request(facts, config, mention))
    await owe_card_update(db, facts.ticket, now=now)
    if note_in_thread:
        await owe_thread_post(db, facts.ticket, text=thread_note(facts), now=now)
    ticket = facts.ticket
    await auto_assign(db, ticket, config=config, now=now)  # a tier that assigns gives it to one of its members
    if config.messages.escalated is not None:  # app.yaml's template (or "off": nothing)
        await owe_escalated_notice(db, ticket, config=config, now=now, tier=facts.to_tier)
    else:  # the built-in notice, with the new tier's response target
        text = reporter_escalation_text(
            number=ticket.number, summary=ticket.summary, priority=priority_label(config, ticket.priority),
            tier=facts.to_tier.name, response=str(facts.to_tier.response) if facts.to_tier.response else None,
            response_due=ticket.tier_response_due_at,
            permalink=None if ticket.customer_thread else ticket.permalink)  # customers never see the card
        if not await owe_to_customer(db, ticket, text=text, now=now):  # their thread, or a DM (owed)
            await owe_post(db, channel=ticket.reporter_id, now=now, text=text)


@dataclass(frozen=True)
class Escalated:
    """An escalation recorded in a transaction, and the page it triggered (or updated)."""

    facts: EscalationFacts
    page: PageRecord | None


def escalation_page_reason(facts: EscalationFacts) -> str:
    return f"escalated to {facts.to_tier.name}: {facts.reason}"


async def escalate_in_transaction(
    db: AsyncSession, ticket: Ticket, *, deps: Deps, now: datetime, actor_id: str | None, reason: str,
    impact: str | None = None, note_in_thread: bool = True, rule: str | None = None,
) -> Escalated:
    """Move ``ticket`` (locked by the caller) one tier up, owe its messages, and page
    on-call when the new tier pages; InvalidState when it cannot move."""
    facts = await record_escalation(db, ticket, config=deps.config, now=now, actor_id=actor_id, reason=reason,
                                    impact=impact, rule=rule)
    await owe_escalation_messages(db, config=deps.config, now=now, facts=facts, note_in_thread=note_in_thread)
    page = None
    if facts.to_tier.page:
        page = await record_ticket_page(db, ticket, deps=deps, now=now, reason=escalation_page_reason(facts))
    return Escalated(facts=facts, page=page)


async def announce_escalation(*, deps: Deps, escalated: Escalated) -> None:
    """After commit: send what the escalation owes, and its page."""
    await deliver_outbox(deps)
    if escalated.page is not None:
        try:
            await announce_page(deps=deps, record=escalated.page)
        except Exception:  # noqa: BLE001 - recorded: the outbox relay and the page sweep finish it
            log.exception("the page for #%s was recorded; its delivery is retried", escalated.facts.ticket.number)


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
        escalated = await escalate_in_transaction(db, ticket, deps=deps, now=deps.clock(), actor_id=actor_id,
                                                  reason=reason, impact=impact)
    await announce_escalation(deps=deps, escalated=escalated)
    await declare_incident_on_escalation(deps=deps, ticket=escalated.facts.ticket, actor_id=actor_id)  # P0 only
    return escalated.facts
