"""Statements on incident action items (``models/incident_actions.py``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_actions import IncidentAction
from models.incidents import Incident

__all__ = ["action_items", "claim_action_reminder", "due_action_items", "next_action_number"]


async def action_items(db: AsyncSession, incident_id: int) -> list[IncidentAction]:
    stmt = select(IncidentAction).where(IncidentAction.incident_id == incident_id).order_by(IncidentAction.number)
    return list((await db.execute(stmt.execution_options(populate_existing=True))).scalars())


async def next_action_number(db: AsyncSession, incident_id: int) -> int:
    """The next number (call it with the incident's row locked)."""
    stmt = select(func.coalesce(func.max(IncidentAction.number), 0)).where(IncidentAction.incident_id == incident_id)
    return int((await db.execute(stmt)).scalar_one()) + 1


def _owed(today: date) -> list:
    # An archived war room ends the follow-through's reminders (workflows/incidents/archive.py).
    archived = select(Incident.id).where(Incident.archive_owed_at.is_not(None))
    return [IncidentAction.done_at.is_(None), IncidentAction.due_on <= today,
            or_(IncidentAction.reminded_on.is_(None), IncidentAction.reminded_on < today),
            IncidentAction.incident_id.not_in(archived)]


async def due_action_items(db: AsyncSession, *, today: date, limit: int) -> list[int]:
    """Open items due today or earlier whose owner was not reminded today."""
    stmt = select(IncidentAction.id).where(*_owed(today)).order_by(IncidentAction.due_on, IncidentAction.id)
    return list((await db.execute(stmt.limit(limit))).scalars())


async def claim_action_reminder(db: AsyncSession, action_id: int, *, today: date) -> IncidentAction | None:
    """Mark today's reminder of ``action_id`` as sent; the item if this caller claimed it."""
    claimed = (await db.execute(update(IncidentAction).where(IncidentAction.id == action_id, *_owed(today))
                                .values(reminded_on=today).returning(IncidentAction.id))).first()
    return await db.get(IncidentAction, action_id, populate_existing=True) if claimed else None
