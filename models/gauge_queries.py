"""Current totals for the Prometheus ``/metrics`` scrape, counted from the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_metrics_queries import DurationHistogram, duration_histograms
from models.outbox import count_pending
from models.pages import Page
from models.sla import SlaNotification
from models.tickets import OPEN_STATUSES, Ticket, TicketEvent, TicketEventKind

__all__ = ["Gauges", "read_gauges"]


@dataclass(frozen=True)
class Gauges:
    open_tickets: dict[tuple[str, str | None], int]   # (priority, tier) -> open tickets
    sla_breaches: dict[tuple[str, str], int]           # (priority, clock) -> breaches ever
    pages_sent: dict[str, int]                         # subject kind -> pages
    pages_acknowledged: dict[str, int]
    pagerduty_pending: int                             # pages with an Events v2 call owed
    sla_notifications_due: int                         # due, not yet fired
    slack_outbox_pending: int = 0                      # Slack messages owed, not yet sent
    #: Per priority: page to acknowledgement, incident declaration to resolution (all time).
    time_to_acknowledge: dict[str, DurationHistogram] = field(default_factory=dict)
    time_to_resolve: dict[str, DurationHistogram] = field(default_factory=dict)


async def read_gauges(db: AsyncSession, now: datetime) -> Gauges:
    """Every number of the scrape, read in one session."""
    open_rows = await db.execute(select(Ticket.priority, Ticket.tier, func.count())
                                 .where(Ticket.status.in_(OPEN_STATUSES)).group_by(Ticket.priority, Ticket.tier))
    breaches = select(Ticket.priority.label("priority"),
                      TicketEvent.detail["notification"].as_string().label("clock")
                      ).join(Ticket, Ticket.id == TicketEvent.ticket_id).where(
        TicketEvent.kind == TicketEventKind.SLA_BREACH).subquery()
    breach_rows = await db.execute(select(breaches.c.priority, breaches.c.clock, func.count())
                                   .group_by(breaches.c.priority, breaches.c.clock))
    page_rows = await db.execute(select(Page.subject_kind, func.count(), func.count(Page.acknowledged_at))
                                 .group_by(Page.subject_kind))
    pending = await db.execute(select(func.count()).select_from(Page).where(Page.pd_pending_action.is_not(None)))
    due = await db.execute(select(func.count()).select_from(SlaNotification).where(SlaNotification.claimed_at.is_(None),
                                                      SlaNotification.due_at <= now))
    sent: dict[str, int] = {}
    acknowledged: dict[str, int] = {}
    for kind, n, acked in page_rows:
        sent[str(kind)], acknowledged[str(kind)] = int(n), int(acked)
    time_to_acknowledge, time_to_resolve = await duration_histograms(db)
    return Gauges(
        time_to_acknowledge=time_to_acknowledge, time_to_resolve=time_to_resolve,
        open_tickets={(priority, tier): int(n) for priority, tier, n in open_rows},
        sla_breaches={(priority, (clock or "unknown").removesuffix("_breach")): int(n)
                      for priority, clock, n in breach_rows},
        pages_sent=sent, pages_acknowledged=acknowledged,
        pagerduty_pending=int(pending.scalar_one()), sla_notifications_due=int(due.scalar_one()),
        slack_outbox_pending=await count_pending(db),
    )
