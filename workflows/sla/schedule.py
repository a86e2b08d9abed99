"""Writing a ticket's SLA plan to the database, in the transaction that changed its clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.deadlines import deadlines_changed
from models.sla import SlaNotificationKind as Kind
from models.sla_queries import claimed_kinds, replace_unclaimed
from models.tickets import Ticket
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.sla.plan import PlannedNotification, plan_notifications

_BREACH_OF = {
    Kind.FIRST_RESPONSE_WARNING: Kind.FIRST_RESPONSE_BREACH,
    Kind.NEXT_RESPONSE_WARNING: Kind.NEXT_RESPONSE_BREACH,
    Kind.RESOLUTION_WARNING: Kind.RESOLUTION_BREACH,
}


async def schedule_ticket_sla(db: AsyncSession, ticket: Ticket, config: AppConfig, *,
                              rearm_at: datetime | None = None, ahead_of: datetime | None = None) -> None:
    """Re-plan the ticket's pending notifications from its current state.

    ``rearm_at``: the targets themselves changed at that moment (a priority change), so
    notifications the new targets put in the past are owed now, not "sent late": they
    are planned at ``rearm_at``. Left out are a warning whose breach is also past, and
    any kind this ticket was already notified of (a breach is announced once per clock).

    ``ahead_of``: only the notifications due after that moment are planned again; those
    due by then (fired, or waiting for the next sweep) stay as they are. An escalation
    re-plans so: the new tier's clocks start, and nothing past is sent again or dropped.
    """
    config = ticket_policy(config, ticket)  # a customer's plan may set its own targets and hours
    planned = plan_notifications(ticket, config, calendar_for(config))
    if rearm_at is not None:
        planned = _rearmed(planned, rearm_at, await claimed_kinds(db, ticket.id))
    await replace_unclaimed(db, ticket.id, [(p.kind, p.due_at) for p in planned], after=ahead_of)
    deadlines_changed(db)


def _rearmed(planned: list[PlannedNotification], now: datetime,
             already: set[Kind]) -> list[PlannedNotification]:
    breaches = {p.kind: p.due_at for p in planned}
    kept: list[PlannedNotification] = []
    for item in planned:
        if item.due_at > now:
            kept.append(item)
            continue
        breach_at = breaches.get(_BREACH_OF.get(item.kind, item.kind))
        if item.kind in already or (item.kind in _BREACH_OF and breach_at is not None and breach_at <= now):
            continue
        kept.append(PlannedNotification(now, item.kind))
    return sorted(kept)
