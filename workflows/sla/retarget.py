"""A new policy (app.yaml reloaded): re-target and re-arm the open tickets it changes.

Due times are computed from a ticket's history under its priority's targets, so when a
priority's SLA targets (or a category's overrides) change, each open ticket they govern
gets its due times computed again as if the new policy had always applied, and its
pending notifications are planned again — exactly as a priority change does
(``workflows/tickets/priority.py``).

:func:`retarget_due_times` (pure) is that computation, for both: first response from the
creation time; resolution from the creation time (or the last reopen), every pause on
the timeline re-applied; a running next-response clock from the reporter's reply it
counts from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models.ticket_queries import get_ticket, ticket_events
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus
from workflows.deps import Deps
from workflows.policy.calendars import calendar_for
from workflows.policy.schema import AppConfig
from workflows.policy.working_time import WorkingCalendar
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import add_target, clock_start, due_times, resume_due_at

log = logging.getLogger(__name__)

__all__ = ["Retargeted", "changed_targets", "retarget_due_times", "retarget_open_tickets"]

_CLOCK_FIELDS = ("first_response", "resolution", "warn_at", "business_hours", "next_response")


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


def changed_targets(old: AppConfig, new: AppConfig) -> tuple[set[str], set[str]]:
    """(priorities, categories) whose SLA policy differs between ``old`` and ``new``."""
    priorities = {pid for pid, p in new.priorities.items()
                  if pid not in old.priorities
                  or any(getattr(p, f, None) != getattr(old.priorities[pid], f, None) for f in _CLOCK_FIELDS)}
    calendar_changed = (old.business_hours, old.holidays, old.timezone) != (new.business_hours, new.holidays,
                                                                           new.timezone)
    if calendar_changed:
        priorities |= {pid for pid, p in new.priorities.items() if p.business_hours}
    categories = set()
    for category in new.categories:
        before = old.category(category.name)
        if before is None or (before.first_response, before.resolution) != (category.first_response,
                                                                           category.resolution):
            categories.add(category.name)
    return priorities, categories


async def retarget_open_tickets(*, deps: Deps, old: AppConfig) -> int:
    """Re-target and re-plan every open ticket whose policy changed; how many were."""
    priorities, categories = changed_targets(old, deps.config)
    if not priorities and not categories:
        return 0
    async with deps.sessions() as db:
        ids = list((await db.execute(select(Ticket.id).where(
            Ticket.status == TicketStatus.OPEN,
            Ticket.priority.in_(priorities) | Ticket.category.in_(categories),
        ))).scalars())
    for ticket_id in ids:
        async with deps.sessions.begin() as db:
            ticket = await get_ticket(db, ticket_id, for_update=True)
            if ticket is None or ticket.status != TicketStatus.OPEN:
                continue
            due = retarget_due_times(ticket, ticket.priority, config=deps.config, calendar=calendar_for(deps.config),
                                     history=await ticket_events(db, ticket.id))
            ticket.first_response_due_at, ticket.resolution_due_at = due.first_response, due.resolution
            ticket.next_response_due_at = due.next_response
            await schedule_ticket_sla(db, ticket, deps.config, rearm_at=deps.clock())
    log.info("policy reload re-targeted %d open ticket(s)", len(ids))
    return len(ids)
