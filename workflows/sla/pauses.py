"""Pausing and resuming a ticket's resolution clock, inside the caller's transaction.

Waiting on the customer stops the resolution clock: ``waiting_since`` is set, the
resolution warning and breach leave the plan. When the reporter replies (or someone
resumes by hand) the due time moves by the pause (``workflows.sla.targets.resume_due_at``:
exactly the paused span around the clock, the paused working time for business-hours
priorities), the span joins ``paused_seconds`` (wall-clock, for metrics) and the plan
is written again. Each step returns the detail of its timeline row, which the caller
writes with the state change (the lifecycle's table, ``workflows/tickets/states.py``,
names the row: ``waiting_on_customer``, ``resumed``); the ``resumed`` row keeps the
pause's bounds, from which a priority change re-applies every pause to a new target.

The caller holds the ticket's row (``workflows.tickets.locks``) and talks to Slack after
commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.tickets import Ticket
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import resume_due_at

__all__ = ["Resumed", "pause_resolution_clock", "paused_seconds", "resume_resolution_clock"]


@dataclass(frozen=True)
class Resumed:
    """A pause that ended: its bounds and how the resolution due time moved."""

    waiting_since: datetime
    resumed_at: datetime
    due_before: datetime | None
    due_after: datetime | None

    @property
    def seconds(self) -> int:
        return paused_seconds(self.waiting_since, self.resumed_at)

    def detail(self, *, by_reply: bool) -> dict[str, Any]:
        """The ``resumed`` timeline row's detail."""
        return {
            "waiting_since": self.waiting_since.isoformat(), "paused_seconds": self.seconds, "by_reply": by_reply,
            "resolution_due_at": {"from": self.due_before.isoformat() if self.due_before else None,
                                  "to": self.due_after.isoformat() if self.due_after else None},
        }


def paused_seconds(since: datetime, until: datetime) -> int:
    """Whole seconds from ``since`` to ``until`` (never negative)."""
    return max(int((until - since).total_seconds()), 0)


async def pause_resolution_clock(db: AsyncSession, ticket: Ticket, *, config: AppConfig,
                                 now: datetime) -> dict[str, Any]:
    """Start waiting on the customer (the ticket is open and not waiting yet); the detail
    of the ``waiting_on_customer`` row."""
    assert ticket.waiting_since is None, "already waiting"
    ticket.waiting_since = now
    await schedule_ticket_sla(db, ticket, config)
    return {"resolution_due_at": ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None}


async def resume_resolution_clock(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime) -> Resumed:
    """Stop waiting on the customer: shift the resolution due time by the pause."""
    since = ticket.waiting_since
    assert since is not None, "not waiting"
    before = ticket.resolution_due_at
    config = ticket_policy(config, ticket)
    if before is not None:
        business_hours = config.priority(ticket.priority).business_hours
        ticket.resolution_due_at = resume_due_at(before, since, now, business_hours=business_hours,
                                                 calendar=calendar_for(config))
    resumed = Resumed(waiting_since=since, resumed_at=now, due_before=before, due_after=ticket.resolution_due_at)
    ticket.paused_seconds = (ticket.paused_seconds or 0) + resumed.seconds
    ticket.waiting_since = None
    await schedule_ticket_sla(db, ticket, config)
    return resumed
