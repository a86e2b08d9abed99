"""Which SLA notifications a ticket is owed, and when: a pure function of its state.

The plan is written to ``sla_notifications`` (one row per effect) whenever the ticket's
clocks change; the engine fires rows as they fall due and checks, at that moment, that
the effect still applies (a first response cancels its warning and breach).

Four clocks, each warned at ``warn_at`` of its target and breached at its due time:

- first response: from creation until someone other than the reporter answers;
- next response (priorities with a ``next_response`` target): from a reporter's reply,
  once the first response was given, until someone else answers;
- resolution: from creation (or the last reopen) until resolved; paused while waiting
  on the customer, its due time shifted by the pause when it resumes;
- tier response (tiers with a ``response`` target): from an escalation into the tier
  (``tier_entered_at``) until someone other than the reporter answers.

And the escalation matrix's timed rows (``escalation`` in app.yaml, its defaults without
one): ``escalation.after`` from creation, ``escalation.time_in_tier`` from the moment the
ticket entered its tier (creation, an escalation, a move or a reopen), both on the priority's
clock; the management notice ``escalation.management.after`` from creation, around the
clock. Whether each still applies is checked when it falls due.

Each clock's start is read back from its due time (the due time less the target, in the
clock's own time): ``next_response_due_at`` is all a ticket stores of a reporter's reply,
and a resolution clock that was paused "started" as much later as it was paused. A
resolution clock never paused nor reopened started when the ticket was opened, and is
read so: its warning stays a share of the time from creation to the due time the ticket
stores, whatever rule set that due time (a ticket opened before business-hours ``d``/``w``
meant working days keeps both its due time and its warning).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.policy.durations import Target
from workflows.policy.schema import AppConfig
from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket
from workflows.sla.targets import add_target, clock_start, sla_targets, warn_at
from workflows.policy.working_time import WorkingCalendar
from workflows.tickets.states import is_open

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first response", "next response", "resolution"
TIER_RESPONSE = "tier response"
_KINDS = {
    FIRST_RESPONSE: (Kind.FIRST_RESPONSE_WARNING, Kind.FIRST_RESPONSE_BREACH),
    NEXT_RESPONSE: (Kind.NEXT_RESPONSE_WARNING, Kind.NEXT_RESPONSE_BREACH),
    RESOLUTION: (Kind.RESOLUTION_WARNING, Kind.RESOLUTION_BREACH),
    TIER_RESPONSE: (Kind.TIER_RESPONSE_WARNING, Kind.TIER_RESPONSE_BREACH),
}


@dataclass(frozen=True, order=True)
class PlannedNotification:
    due_at: datetime
    kind: Kind


@dataclass(frozen=True)
class ClockWindow:
    """A running SLA clock: ``name`` (first response, next response, resolution), when
    it turns "at risk" (``warn_at``, None when it has no target to take a share of) and
    when it is breached (``due_at``)."""

    name: str
    warn_at: datetime | None
    due_at: datetime


def running_clocks(ticket: Ticket, config: AppConfig, calendar: WorkingCalendar) -> list[ClockWindow]:
    """The SLA clocks running on ``ticket`` now (none once resolved; resolution not while
    waiting on the customer), in the order first response, next response, resolution,
    tier response."""
    if not is_open(ticket.status):
        return []
    priority = config.priority(ticket.priority)
    resolution_target = sla_targets(config, ticket.priority, ticket.category)[1]

    def window(name: str, due: datetime, start: datetime | None) -> ClockWindow:
        if start is None:
            return ClockWindow(name, None, due)
        return ClockWindow(name, warn_at(start, due, priority.warn_at, business_hours=priority.business_hours,
                                         calendar=calendar), due)

    def start_of(due: datetime, target: Target | None) -> datetime | None:
        if target is None:
            return None
        return clock_start(due, target, business_hours=priority.business_hours, calendar=calendar)

    clocks: list[ClockWindow] = []
    if ticket.first_response_at is None and ticket.first_response_due_at is not None:
        clocks.append(window(FIRST_RESPONSE, ticket.first_response_due_at, ticket.created_at))
    if ticket.next_response_due_at is not None:
        due = ticket.next_response_due_at
        clocks.append(window(NEXT_RESPONSE, due, start_of(due, priority.next_response)))
    if ticket.waiting_since is None and ticket.resolution_due_at is not None:
        due = ticket.resolution_due_at
        shifted = ticket.paused_seconds or ticket.reopen_count
        clocks.append(window(RESOLUTION, due, start_of(due, resolution_target) if shifted else ticket.created_at))
    if ticket.tier_response_due_at is not None:
        clocks.append(window(TIER_RESPONSE, ticket.tier_response_due_at, ticket.tier_entered_at or ticket.created_at))
    return clocks


def timed_escalations(ticket: Ticket, config: AppConfig, calendar: WorkingCalendar) -> list[PlannedNotification]:
    """When the escalation matrix moves the ticket on, or tells management, by time alone."""
    policy = config.escalation_policy
    business_hours = config.priority(ticket.priority).business_hours
    planned: list[PlannedNotification] = []
    after = policy.after_for(ticket.priority)
    if after is not None:
        due = add_target(ticket.created_at, after, business_hours=business_hours, calendar=calendar)
        planned.append(PlannedNotification(due, Kind.ESCALATION_AFTER))
    stay = policy.time_in_tier_for(ticket.category, ticket.tier)
    if stay is not None:
        due = add_target(ticket.tier_entered_at or ticket.created_at, stay, business_hours=business_hours,
                         calendar=calendar)
        planned.append(PlannedNotification(due, Kind.ESCALATION_TIME_IN_TIER))
    management = policy.management_after(ticket.priority)
    if management is not None:
        planned.append(PlannedNotification(ticket.created_at + management, Kind.MANAGEMENT_NOTICE))
    return planned


def plan_notifications(ticket: Ticket, config: AppConfig, calendar: WorkingCalendar) -> list[PlannedNotification]:
    """Every notification still ahead for ``ticket`` given its clocks (sorted by time)."""
    if not is_open(ticket.status):
        return []
    planned: list[PlannedNotification] = []
    for clock in running_clocks(ticket, config, calendar):
        warning, breach = _KINDS[clock.name]
        if clock.warn_at is not None:
            planned.append(PlannedNotification(clock.warn_at, warning))
        planned.append(PlannedNotification(clock.due_at, breach))
    return sorted(planned + timed_escalations(ticket, config, calendar))


#: Kinds that belong to the ticket's stay in its current tier.
_OF_THE_TIER = (Kind.TIER_RESPONSE_WARNING, Kind.TIER_RESPONSE_BREACH, Kind.ESCALATION_TIME_IN_TIER)


def still_applies(kind: Kind, ticket: Ticket, due_at: datetime | None = None) -> bool:
    """Whether a due notification of ``kind`` (due at ``due_at``) should still fire for the
    ticket as it is now. One of the tier's clocks due before the ticket entered its
    current tier was the previous tier's (an escalation re-plans only what lies ahead)."""
    if not is_open(ticket.status):
        return False
    if kind in _OF_THE_TIER and due_at is not None and ticket.tier_entered_at is not None \
            and due_at <= ticket.tier_entered_at:
        return False
    if kind in (Kind.FIRST_RESPONSE_WARNING, Kind.FIRST_RESPONSE_BREACH):
        return ticket.first_response_at is None
    if kind in (Kind.NEXT_RESPONSE_WARNING, Kind.NEXT_RESPONSE_BREACH):
        return ticket.next_response_due_at is not None
    if kind in (Kind.RESOLUTION_WARNING, Kind.RESOLUTION_BREACH):
        return ticket.waiting_since is None
    if kind in (Kind.TIER_RESPONSE_WARNING, Kind.TIER_RESPONSE_BREACH):
        return ticket.tier_response_due_at is not None
    return True
