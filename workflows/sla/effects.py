"""What a due SLA notification does, inside the transaction that claimed it.

- a warning or a breach of a clock (first response, next response, resolution, a tier's
  response): a timeline row, one notice in the ticket's thread and one in its tier's
  channel; a breach that ``escalation.on_breach`` names escalates the ticket (the notice
  says so: no second message in the same place), and a breach of a paging priority pages;
- the management notice (``escalation.management``): once per ticket, in the management
  channel, mentioning who it names;
- a timed escalation (``escalation.after``, ``escalation.time_in_tier``): the ticket moves
  one tier up (the request to the new tier, a note in the thread) or, at the end of its
  path, stays (``workflows/escalation/automatic.py``).

An escalation into a tier with ``page: true`` pages whatever the priority
(``workflows/escalation/record.py``). Every message is owed to the outbox here; the pages
are announced by the engine once the transaction is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.sla import SlaNotification
from models.sla import SlaNotificationKind as Kind
from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.deps import Deps
from workflows.escalation.automatic import (
    AFTER,
    AutoOutcome,
    after_reason,
    breach_rule,
    claim_management_notice,
    escalate_by_rule,
    time_in_tier_reason,
    time_in_tier_rule,
)
from workflows.escalation.messages import end_of_path_text, mention_markup
from workflows.outbox.enqueue import owe_card_update, owe_post, owe_thread_post
from workflows.paging.pager import PageRecord, record_ticket_page
from workflows.policy.plans import ticket_policy
from workflows.sla.messages import SlaNotice, sla_digest_mark, sla_notice_text

__all__ = ["BREACHES", "Fired", "record_effect"]

BREACHES = (Kind.FIRST_RESPONSE_BREACH, Kind.RESOLUTION_BREACH, Kind.NEXT_RESPONSE_BREACH,
            Kind.TIER_RESPONSE_BREACH)
#: The breaches as ``escalation.on_breach`` names them.
BREACH_NAMES = {Kind.FIRST_RESPONSE_BREACH: "first_response", Kind.NEXT_RESPONSE_BREACH: "next_response",
                Kind.RESOLUTION_BREACH: "resolution", Kind.TIER_RESPONSE_BREACH: "tier_response"}
TIMED = (Kind.ESCALATION_AFTER, Kind.ESCALATION_TIME_IN_TIER)


@dataclass(frozen=True)
class Fired:
    """A notification that had its effect: the ticket's number and the pages to announce."""

    number: int
    pages: tuple[PageRecord, ...] = ()


def _tier_channel(deps: Deps, ticket: Ticket) -> str:
    if ticket.tier:
        try:
            return deps.config.tier(ticket.tier).channel
        except KeyError:
            pass
    return deps.config.channels.triage


async def record_effect(db: AsyncSession, deps: Deps, ticket: Ticket, row: SlaNotification,
                        now: datetime) -> Fired | None:
    """Record and owe the effect of ``row`` (claimed) on ``ticket`` (locked); None: it had none."""
    if row.kind in TIMED:
        return await _timed_escalation(db, deps, ticket, row, now)
    if row.kind == Kind.MANAGEMENT_NOTICE:
        return await _management_notice(db, deps, ticket, row, now)
    return await _clock_notice(db, deps, ticket, row, now)


async def _clock_notice(db: AsyncSession, deps: Deps, ticket: Ticket, row: SlaNotification,
                        now: datetime) -> Fired:
    tier_channel, clock_tier = _tier_channel(deps, ticket), ticket.tier  # where it was when the clock ran out
    breach = BREACH_NAMES.get(row.kind)
    outcome = AutoOutcome()
    if breach and deps.config.escalation_policy.escalates_on(ticket.priority, breach):
        outcome = await escalate_by_rule(db, ticket, deps=deps, now=now, rule=breach_rule(breach, ticket.tier),
                                         reason=f"SLA breach: {breach.replace('_', ' ')} overdue",
                                         note_in_thread=False)
    escalation = outcome.escalated.facts if outcome.escalated else None
    kind = TicketEventKind.SLA_BREACH if row.kind in BREACHES else TicketEventKind.SLA_WARNING
    add_ticket_event(db, ticket, kind, actor_id=None, at=now, detail={
        "notification": row.kind.value, "due_at": row.due_at.isoformat(),
        "escalated_to": escalation.to_tier.id if escalation else None,
    })
    pages = [outcome.escalated.page] if outcome.escalated and outcome.escalated.page else []
    if row.kind in BREACHES and ticket_policy(deps.config, ticket).priority(ticket.priority).page:
        reason = f"SLA breach: {row.kind.value.replace('_breach', '').replace('_', ' ')} overdue"
        pages.append(await record_ticket_page(db, ticket, deps=deps, now=now, reason=reason))
    notice = SlaNotice(kind=row.kind, ticket=ticket, due_at=row.due_at, now=now,
                       escalated_to=escalation.to_tier if escalation else None, paged=bool(pages),
                       stays_at=outcome.stays_at if outcome.say_so else None, clock_tier=clock_tier)
    text = sla_notice_text(notice, deps.config)
    await owe_thread_post(db, ticket, text=text, now=now)
    await owe_post(db, channel=tier_channel, text=text, now=now, digest=sla_digest_mark(row.kind))
    if escalation is None:  # else the escalation owed the re-rendered card
        await owe_card_update(db, ticket, now=now)
    return Fired(ticket.number, tuple(pages))


async def _management_notice(db: AsyncSession, deps: Deps, ticket: Ticket, row: SlaNotification,
                             now: datetime) -> Fired | None:
    if not await claim_management_notice(db, ticket, now=now):
        return None  # told before (a re-planned due time, a second replica)
    add_ticket_event(db, ticket, TicketEventKind.MANAGEMENT_NOTIFIED, actor_id=None, at=now, detail={
        "notification": row.kind.value, "due_at": row.due_at.isoformat(), "escalated_to": None,
    })
    mention = mention_markup(deps.config.escalation_policy.management.mention)
    notice = SlaNotice(kind=row.kind, ticket=ticket, due_at=row.due_at, now=now, mention=mention)
    await owe_post(db, channel=deps.config.management_channel(), text=sla_notice_text(notice, deps.config), now=now,
                   digest=sla_digest_mark(row.kind))
    return Fired(ticket.number)


async def _timed_escalation(db: AsyncSession, deps: Deps, ticket: Ticket, row: SlaNotification,
                            now: datetime) -> Fired | None:
    if row.kind == Kind.ESCALATION_AFTER:
        rule, reason = AFTER, after_reason(ticket, deps.config)
    else:
        if not ticket.tier:
            return None
        rule, reason = time_in_tier_rule(ticket.tier), time_in_tier_reason(ticket, deps.config)
    outcome = await escalate_by_rule(db, ticket, deps=deps, now=now, rule=rule, reason=reason, note_in_thread=True)
    if outcome.escalated is not None:
        page = outcome.escalated.page
        return Fired(ticket.number, (page,) if page else ())
    if outcome.say_so and outcome.stays_at:
        text = end_of_path_text(ticket, reason=reason, tier_name=outcome.stays_at)
        await owe_thread_post(db, ticket, text=text, now=now)
        await owe_post(db, channel=_tier_channel(deps, ticket), text=text, now=now)
        return Fired(ticket.number)
    return None
