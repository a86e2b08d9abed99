"""A new policy (app.yaml reloaded): re-target and re-arm the open tickets it changes.

Due times are computed from a ticket's history under its priority's targets, so when a
priority's SLA targets (or a category's overrides) change, each open ticket they govern
gets its due times computed again as if the new policy had always applied, and its
pending notifications are planned again — exactly as a priority change does.

A changed ``escalation`` section re-plans every open ticket's timed escalations and
management notice (due times computed from the ticket's history, as if the new matrix had
always applied; each rule still fires at most once per ticket). Only the clocks whose own
policy changed move: a clock's due time is computed again when
its target, its priority's ``business_hours`` or (on business hours) the calendar
changed, and is otherwise kept as stored. A new ``warn_at`` re-plans the warnings and
moves no due time. So a reload never moves a due time for a reason other than the file:
a ticket opened before business-hours ``d`` and ``w`` meant working days keeps the due
times it was given until its own target is edited (or its priority changed, or it is
reopened), and then gets the current meaning.

:func:`retarget_due_times` (pure) is that computation, for both: first response from the
creation time; resolution from the creation time (or the last reopen), every pause on
the timeline re-applied; a running next-response clock from the reporter's reply it
counts from. :func:`apply_targets` gives a ticket a new priority or category with the
targets that follow (`/ticket priority`, `/ticket category`, triage): its due times
computed so, its pending notifications planned again at that moment (those already sent
stay sent, a recorded first response still counts); :func:`category_clocks` says which
clocks a category change moves (its overrides, ``categories[].first_response`` and
``resolution``, against the old category's).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import get_ticket, ticket_events
from models.tickets import Ticket, TicketEvent, TicketEventKind
from workflows.deps import Deps
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.policy.schema import AppConfig
from workflows.policy.working_time import WorkingCalendar
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import add_target, clock_start, due_times, resume_due_at, sla_targets
from workflows.tickets.states import OPEN, is_open

log = logging.getLogger(__name__)

__all__ = ["DueChange", "Retargeted", "apply_targets", "category_clocks", "changed_targets", "retarget_due_times",
           "retarget_open_tickets"]

_CLOCK_FIELDS = ("first_response", "resolution", "warn_at", "business_hours", "next_response")
FIRST_RESPONSE, RESOLUTION, NEXT_RESPONSE = "first_response", "resolution", "next_response"


@dataclass(frozen=True)
class Retargeted:
    first_response: datetime
    resolution: datetime
    next_response: datetime | None


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def retarget_due_times(ticket: Ticket, priority: str, *, config: AppConfig, calendar: WorkingCalendar,
                       history: Sequence[TicketEvent]) -> Retargeted:
    """The ticket's due times had it always had ``priority`` (``history``: its timeline)."""
    new, old = config.priority(priority), config.priorities.get(ticket.priority)
    due = due_times(ticket.created_at, config=config, priority=priority, category=ticket.category, calendar=calendar)
    reopens = [e.at for e in history if e.kind == TicketEventKind.REOPENED]
    start = max([ticket.created_at, *reopens])
    resolution = due.resolution
    if reopens:  # a reopened ticket's resolution clock counts from the reopen
        resolution = due_times(start, config=config, priority=priority, category=ticket.category,
                               calendar=calendar).resolution
    for event in history:
        since = _instant((event.detail or {}).get("waiting_since"))
        if event.kind == TicketEventKind.RESUMED and since is not None and since >= start:
            resolution = resume_due_at(resolution, since, event.at, business_hours=new.business_hours,
                                       calendar=calendar)
    next_response = None
    if ticket.next_response_due_at is not None and new.next_response is not None:
        replied = ticket.next_response_due_at
        if old is not None and old.next_response is not None:
            replied = clock_start(replied, old.next_response, business_hours=old.business_hours, calendar=calendar)
        next_response = add_target(replied, new.next_response, business_hours=new.business_hours,
                                   calendar=calendar)
    return Retargeted(first_response=due.first_response, resolution=resolution, next_response=next_response)


#: The column each clock's due time is kept in.
DUE_COLUMNS = {FIRST_RESPONSE: "first_response_due_at", RESOLUTION: "resolution_due_at",
               NEXT_RESPONSE: "next_response_due_at"}


@dataclass(frozen=True)
class DueChange:
    """The due times :func:`apply_targets` moved: clock -> (before, after)."""

    moved: dict[str, tuple[datetime | None, datetime | None]]

    def detail(self) -> dict[str, dict[str, str | None]]:
        """For a timeline row: ``{"first_response_due_at": {"from": iso, "to": iso}, ...}``."""
        return {DUE_COLUMNS[clock]: {"from": _iso(before), "to": _iso(after)}
                for clock, (before, after) in self.moved.items()}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def category_clocks(config: AppConfig, ticket: Ticket, category: str | None) -> set[str]:
    """The clocks whose target differs for ``ticket`` in ``category`` from its current one
    (first_response, resolution; next_response has no category override)."""
    policy = ticket_policy(config, ticket)
    before = sla_targets(policy, ticket.priority, ticket.category)
    after = sla_targets(policy, ticket.priority, category)
    return {clock for clock, old, new in zip((FIRST_RESPONSE, RESOLUTION), before, after, strict=True) if old != new}


async def apply_targets(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime,
                        priority: str | None = None, category: str | None = None,
                        clocks: set[str] | None = None) -> DueChange:
    """Give ``ticket`` (locked by the caller, open) ``priority`` and/or ``category`` and the
    targets that follow: the due times of ``clocks`` (all by default) computed again as if
    they had always applied, and the pending notifications planned again at ``now``."""
    priority = priority or ticket.priority
    if category is not None:
        ticket.category = category  # the due times below are computed under it
    policy = ticket_policy(config, ticket)  # the customer's plan's, if any
    due = retarget_due_times(ticket, priority, config=policy, calendar=calendar_for(policy),
                             history=await ticket_events(db, ticket.id))
    ticket.priority = priority
    before = {clock: getattr(ticket, column) for clock, column in DUE_COLUMNS.items()}
    after = {FIRST_RESPONSE: due.first_response, RESOLUTION: due.resolution, NEXT_RESPONSE: due.next_response}
    for clock in DUE_COLUMNS if clocks is None else clocks:
        setattr(ticket, DUE_COLUMNS[clock], after[clock])
    await schedule_ticket_sla(db, ticket, config, rearm_at=now)
    return DueChange({clock: (before[clock], getattr(ticket, column)) for clock, column in DUE_COLUMNS.items()
                      if before[clock] != getattr(ticket, column)})


def changed_targets(old: AppConfig, new: AppConfig) -> tuple[set[str], set[str]]:
    """(priorities, categories) whose SLA policy differs between ``old`` and ``new``."""
    priorities = {pid for pid, p in new.priorities.items()
                  if pid not in old.priorities
                  or any(getattr(p, f, None) != getattr(old.priorities[pid], f, None) for f in _CLOCK_FIELDS)}
    if old.escalation_policy != new.escalation_policy:  # the timed escalations move: every open ticket
        priorities |= set(new.priorities)
    if _calendar(old) != _calendar(new):
        priorities |= {pid for pid, p in new.priorities.items() if p.business_hours}
    categories = set()
    for category in new.categories:
        before = old.category(category.name)
        if before is None or (before.first_response, before.resolution) != (category.first_response,
                                                                           category.resolution):
            categories.add(category.name)
    return priorities, categories


def changed_clocks(old: AppConfig, new: AppConfig, priority: str, category: str | None) -> set[str]:
    """The clocks (first_response, resolution, next_response) of a ticket of ``priority``
    and ``category`` whose due time ``new`` computes differently from ``old``."""
    if priority not in old.priorities:
        return {FIRST_RESPONSE, RESOLUTION, NEXT_RESPONSE}
    before, after = _clock_policies(old, priority, category), _clock_policies(new, priority, category)
    return {clock for clock in after if after[clock] != before[clock]}


def _calendar(config: AppConfig) -> tuple[object, ...]:
    return config.business_hours, config.holidays, config.timezone


def _clock_policies(config: AppConfig, priority: str, category: str | None) -> dict[str, tuple[object, ...]]:
    first, resolution = sla_targets(config, priority, category)
    p = config.priority(priority)
    calendar = _calendar(config) if p.business_hours else None
    return {FIRST_RESPONSE: (first, p.business_hours, calendar), RESOLUTION: (resolution, p.business_hours, calendar),
            NEXT_RESPONSE: (p.next_response, p.business_hours, calendar)}


def _next_response_due(ticket: Ticket, old: AppConfig, new: AppConfig) -> datetime | None:
    """A running next-response clock under ``new``: from the reporter's reply it counts
    from (read back under ``old``), with the new target; None when ``new`` has none."""
    due = ticket.next_response_due_at
    before, after = old.priorities.get(ticket.priority), new.priority(ticket.priority)
    if due is None or after.next_response is None:
        return None
    replied = due
    if before is not None and before.next_response is not None:
        replied = clock_start(due, before.next_response, business_hours=before.business_hours,
                              calendar=calendar_for(old))
    return add_target(replied, after.next_response, business_hours=after.business_hours,
                      calendar=calendar_for(new))


async def retarget_open_tickets(*, deps: Deps, old: AppConfig) -> int:
    """Re-target and re-plan every open ticket whose policy changed; how many were."""
    desk = deps.config
    priorities, categories = changed_targets(old, desk)
    plans = {name for name in {*old.plans, *desk.plans} if old.plans.get(name) != desk.plans.get(name)}
    if not priorities and not categories and not plans:
        return 0
    async with deps.sessions() as db:
        ids = list((await db.execute(select(Ticket.id).where(
            Ticket.status.in_(OPEN),
            Ticket.priority.in_(priorities) | Ticket.category.in_(categories) | Ticket.plan.in_(plans),
        ))).scalars())
    for ticket_id in ids:
        async with deps.sessions.begin() as db:
            ticket = await get_ticket(db, ticket_id, for_update=True)
            if ticket is None or not is_open(ticket.status):
                continue
            before, new = ticket_policy(old, ticket), ticket_policy(desk, ticket)  # the plan's, if any
            moved = changed_clocks(before, new, ticket.priority, ticket.category)
            if moved & {FIRST_RESPONSE, RESOLUTION}:
                due = retarget_due_times(ticket, ticket.priority, config=new, calendar=calendar_for(new),
                                         history=await ticket_events(db, ticket.id))
                if FIRST_RESPONSE in moved:
                    ticket.first_response_due_at = due.first_response
                if RESOLUTION in moved:
                    ticket.resolution_due_at = due.resolution
            if NEXT_RESPONSE in moved:
                ticket.next_response_due_at = _next_response_due(ticket, before, new)
            await schedule_ticket_sla(db, ticket, desk, rearm_at=deps.clock())
    log.info("policy reload re-targeted %d open ticket(s)", len(ids))
    return len(ids)
