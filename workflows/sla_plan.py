"""Which SLA notifications a ticket is owed, and when: a pure function of its state.

The plan is written to ``sla_notifications`` (one row per effect) whenever the ticket's
clocks change; the engine fires rows as they fall due and checks, at that moment, that
the effect still applies (a first response cancels its warning and breach).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import AppConfig
from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket, TicketStatus
from workflows.sla_targets import warn_at
from workflows.working_time import WorkingCalendar

# The practice: an unresolved P0/P1 goes to management after 4 hours.
MANAGEMENT_NOTICE_AFTER = timedelta(hours=4)
MANAGEMENT_PRIORITIES = frozenset({"P0", "P1"})
# Breaching first response on these priorities escalates the ticket one tier.
AUTO_ESCALATE_PRIORITIES = frozenset({"P0", "P1"})


@dataclass(frozen=True, order=True)
class PlannedNotification:
    due_at: datetime
    kind: Kind


def plan_notifications(ticket: Ticket, config: AppConfig, calendar: WorkingCalendar) -> list[PlannedNotification]:
    """Every notification still ahead for ``ticket`` given its clocks (sorted by time)."""
    if ticket.status != TicketStatus.OPEN:
        return []
    priority = config.priority(ticket.priority)
    planned: list[PlannedNotification] = []

    def clock(warning: Kind, breach: Kind, start: datetime, due: datetime | None) -> None:
        if due is None:
            return
        planned.append(PlannedNotification(
            warn_at(start, due, priority.warn_at, business_hours=priority.business_hours, calendar=calendar), warning))
        planned.append(PlannedNotification(due, breach))

    if ticket.first_response_at is None:
        clock(Kind.FIRST_RESPONSE_WARNING, Kind.FIRST_RESPONSE_BREACH, ticket.created_at, ticket.first_response_due_at)
    if ticket.waiting_since is None:
        paused = timedelta(seconds=ticket.paused_seconds or 0)
        clock(Kind.RESOLUTION_WARNING, Kind.RESOLUTION_BREACH, ticket.created_at + paused, ticket.resolution_due_at)
    if ticket.priority in MANAGEMENT_PRIORITIES:
        planned.append(PlannedNotification(ticket.created_at + MANAGEMENT_NOTICE_AFTER, Kind.MANAGEMENT_NOTICE))
    return sorted(planned)


def still_applies(kind: Kind, ticket: Ticket) -> bool:
    """Whether a due notification of ``kind`` should still fire for the ticket as it is now."""
    if ticket.status != TicketStatus.OPEN:
        return False
    if kind in (Kind.FIRST_RESPONSE_WARNING, Kind.FIRST_RESPONSE_BREACH):
        return ticket.first_response_at is None
    if kind in (Kind.RESOLUTION_WARNING, Kind.RESOLUTION_BREACH):
        return ticket.waiting_since is None
    return True
