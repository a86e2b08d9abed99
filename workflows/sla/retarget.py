"""A new policy (app.yaml reloaded): re-target and re-arm the open tickets it changes.

Due times are computed from a ticket's history under its priority's targets, so when a
priority's SLA targets (or a category's overrides) change, each open ticket they govern
gets its due times computed again as if the new policy had always applied, and its
pending notifications are planned again — exactly as a priority change does.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from workflows.policy.schema import AppConfig
from models.ticket_queries import get_ticket, ticket_events
from models.tickets import Ticket, TicketStatus
from workflows.policy.calendars import calendar_for
from workflows.deps import Deps
from workflows.sla.schedule import schedule_ticket_sla
from workflows.tickets.priority import retarget_due_times

log = logging.getLogger(__name__)

_CLOCK_FIELDS = ("first_response", "resolution", "warn_at", "business_hours", "next_response")


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
