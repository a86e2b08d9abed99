"""The SLA engine: fires each due warning, breach and management notice exactly once.

One notification per transaction: claim the row (conditional UPDATE), check that the
effect still applies, record it in the timeline, and — for a first-response breach of
a P0/P1 — escalate in the same transaction. The same transaction owes Slack (the
outbox) the notice for the ticket's thread and the tier channel (one message per place
that says everything) and the escalation request to the new tier. Once every due row
is claimed, the outbox is sent and on-call is paged for paging priorities. The tier
channel's notice is marked for a digest: in a storm the channel gets one message
listing the notices waiting for it (``workflows/sla/messages.py``), each thread
still its own notice.

A notification whose transaction fails on a transient database error (a deadlock, a
dropped connection, SQLite's lock held too long: ``models/db_errors.py``) was rolled
back unclaimed: the sweep stops there and the next one tries it again. One that fails
on anything else cannot succeed however often it is tried: it is set aside (claimed
without its effect, logged with the error) so the others go on, and the sweep's
:class:`SweepOutcome` says so for ``/metrics``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from models.db_errors import is_transient
from workflows.policy.desk import Tier
from workflows.policy.schema import AppConfig
from models.sla import SlaNotification
from models.sla import SlaNotificationKind as Kind
from models.sla_queries import claim, next_due_candidate, set_aside
from models.ticket_queries import add_ticket_event, get_ticket
from models.tickets import Ticket, TicketEventKind
from workflows.escalation.messages import EscalationFacts
from workflows.sla.messages import SlaNotice, sla_digest_mark, sla_notice_text
from workflows.deps import Deps
from workflows.errors import InvalidState
from workflows.escalation.record import Escalated, escalate_in_transaction
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.paging.pager import PageRecord, announce_page, record_ticket_page
from workflows.sla.plan import still_applies

log = logging.getLogger(__name__)

_BREACHES = (Kind.FIRST_RESPONSE_BREACH, Kind.RESOLUTION_BREACH, Kind.NEXT_RESPONSE_BREACH)
#: The breaches ``escalation.on_breach`` names.
_BREACH_NAMES = {Kind.FIRST_RESPONSE_BREACH: "first_response", Kind.NEXT_RESPONSE_BREACH: "next_response",
                 Kind.RESOLUTION_BREACH: "resolution"}
MAX_PER_SWEEP = 500


@dataclass(frozen=True)
class FiredNotice:
    notice: SlaNotice
    tier_channel: str
    escalation: EscalationFacts | None
    pages: tuple[PageRecord, ...] = ()


@dataclass
class SweepOutcome:
    """What a sweep leaves its timer to do (``bot/deadline_timer.py``)."""

    set_aside: list[str] = field(default_factory=list)  # kinds of the notifications set aside
    retry_later: bool = False  # stopped by a transient database error: the next sweep tries again


def management_tier(config: AppConfig) -> Tier:
    try:
        return config.tier("tier4")
    except KeyError:
        return config.tiers[-1]


async def _claim_and_record(deps: Deps, claimed: list[int]) -> FiredNotice | None | bool:
    """Claim one due row and record its effect. False: nothing was due. ``claimed``
    gets the id of the row once claimed, for the caller to set aside should this fail."""
    now = deps.clock()
    async with deps.sessions.begin() as db:
        candidate = await next_due_candidate(db, now)
        if candidate is None:
            return False
        ticket = await get_ticket(db, candidate[1], for_update=True)
        row: SlaNotification | None = await claim(db, candidate[0], now)
        if row is None:  # claimed by another process, or re-planned away meanwhile
            return None
        claimed.append(row.id)
        if ticket is None or not still_applies(row.kind, ticket):
            return None
        tier_channel = deps.config.tier(ticket.tier).channel if ticket.tier else deps.config.channels.triage
        if row.kind == Kind.MANAGEMENT_NOTICE:
            tier_channel = management_tier(deps.config).channel
        escalated = None
        breach = _BREACH_NAMES.get(row.kind)
        if breach and deps.config.escalation_policy.escalates_on(ticket.priority, breach):
            escalated = await _auto_escalate(db, ticket, deps, now, breach)
        escalation = escalated.facts if escalated else None
        kind = (TicketEventKind.MANAGEMENT_NOTIFIED if row.kind == Kind.MANAGEMENT_NOTICE
                else TicketEventKind.SLA_BREACH if row.kind in _BREACHES else TicketEventKind.SLA_WARNING)
        add_ticket_event(db, ticket, kind, actor_id=None, at=now, detail={
            "notification": row.kind.value, "due_at": row.due_at.isoformat(),
            "escalated_to": escalation.to_tier.id if escalation else None,
        })
        pages = [escalated.page] if escalated and escalated.page else []
        if row.kind in _BREACHES and deps.config.priority(ticket.priority).page:
            reason = f"SLA breach: {row.kind.value.replace('_breach', '').replace('_', ' ')} overdue"
            pages.append(await record_ticket_page(db, ticket, deps=deps, now=now, reason=reason))
        notice = SlaNotice(kind=row.kind, ticket=ticket, due_at=row.due_at, now=now,
                           escalated_to=escalation.to_tier if escalation else None, paged=bool(pages))
        fired = FiredNotice(notice=notice, tier_channel=tier_channel, escalation=escalation, pages=tuple(pages))
        await _owe_messages(db, deps, fired)
        return fired


async def _auto_escalate(db, ticket: Ticket, deps: Deps, now, breach: str) -> Escalated | None:
    try:
        return await escalate_in_transaction(db, ticket, deps=deps, now=now, actor_id=None,
                                             reason=f"SLA breach: {breach.replace('_', ' ')} overdue",
                                             note_in_thread=False)
    except InvalidState:  # already at the end of its path: the breach notice alone
        return None


async def _owe_messages(db, deps: Deps, fired: FiredNotice) -> None:
    """The notice in the thread and the tier channel, the escalation request or the
    re-rendered card: owed in the transaction that claims the notification."""
    text = sla_notice_text(fired.notice, deps.config)
    ticket, now = fired.notice.ticket, fired.notice.now
    if fired.notice.kind != Kind.MANAGEMENT_NOTICE:
        await owe_thread_post(db, ticket, text=text, now=now)
    await owe_post(db, channel=fired.tier_channel, text=text, now=now, digest=sla_digest_mark(fired.notice.kind))
    if fired.escalation is None:  # else the escalation owed the re-rendered card
        await owe_card_update(db, ticket, now=now)


async def fire_due_notifications(*, deps: Deps, outcome: SweepOutcome | None = None) -> int:
    """Fire every notification due now; each one is isolated from the others' failures
    (see the module docstring; ``outcome`` gets what the timer should know)."""
    outcome = outcome if outcome is not None else SweepOutcome()
    fired_count, pages = 0, []
    for _ in range(MAX_PER_SWEEP):
        claimed: list[int] = []
        try:
            fired = await _claim_and_record(deps, claimed)
        except Exception as error:
            if is_transient(error):  # rolled back, the row unclaimed
                log.warning("an SLA notification met a transient database error (%s); the next sweep tries again",
                            f"{type(error).__name__}: {error}"[:300])
                outcome.retry_later = True
                break
            if not claimed:
                log.exception("could not claim due SLA notifications; the next sweep retries")
                outcome.retry_later = True
                break
            if not await _set_aside(deps, claimed[0], error, outcome):
                break
            continue
        if fired is False:
            break
        if fired is None:
            continue
        fired_count += 1
        pages.extend((fired, page) for page in fired.pages)
    try:
        await deliver_outbox(deps)
    except Exception:
        log.exception("SLA notices were recorded and are owed to Slack; the outbox relay sends them")
    for fired, page in pages:
        try:
            await announce_page(deps=deps, record=page)
        except Exception:
            log.exception("page for ticket #%s was recorded; its Slack side is retried by the sweep",
                          fired.notice.ticket.number)
    return fired_count


async def _set_aside(deps: Deps, notification_id: int, error: Exception, outcome: SweepOutcome) -> bool:
    """Set aside a notification that cannot succeed; False when even that failed (the
    sweep stops, and the next one meets the notification again)."""
    try:
        async with deps.sessions.begin() as db:
            kind = await set_aside(db, notification_id, deps.clock())
    except Exception:
        log.exception("SLA notification %s failed and could not be set aside; the next sweep tries again",
                      notification_id)
        outcome.retry_later = True
        return False
    if kind is not None:
        log.error("SLA notification %s (%s) failed and is set aside, never sent, so the others go on",
                  notification_id, kind, exc_info=error)
        outcome.set_aside.append(str(kind))
    return True
