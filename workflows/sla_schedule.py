"""Writing a ticket's SLA plan to the database, in the transaction that changed its clocks."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from models.sla_queries import replace_unclaimed
from models.tickets import Ticket
from workflows.calendars import calendar_for
from workflows.sla_plan import plan_notifications


async def schedule_ticket_sla(db: AsyncSession, ticket: Ticket, config: AppConfig) -> None:
    """Re-plan the ticket's pending notifications from its current state."""
    planned = plan_notifications(ticket, config, calendar_for(config))
    await replace_unclaimed(db, ticket.id, [(p.kind, p.due_at) for p in planned])
