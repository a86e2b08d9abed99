"""Statements on incident action items (``models/incident_actions.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_actions import IncidentAction
from models.incidents import Incident

__all__ = ["ActionItemCounts", "action_item_counts", "action_items", "claim_action_reminder", "due_action_items",
           "next_action_number", "overdue_action_items"]


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


@dataclass(frozen=True)
class ActionItemCounts:
    """Action items for `supportbot report`: ``added`` in ``[since, until)`` and ``done`` of
    those before ``until``; ``open`` (added before ``until`` and not done by then, of any
    incident) and ``overdue`` of those (due before ``until``'s day)."""

    added: int
    done: int
    open: int
    overdue: int


def _of_team(team_id: str | None) -> list[ColumnElement[bool]]:
    if team_id is None:
        return []
    return [IncidentAction.incident_id.in_(select(Incident.id).where(Incident.team_id == team_id))]


def _open_at(until: datetime) -> ColumnElement[bool]:
    return and_(IncidentAction.created_at < until,
                or_(IncidentAction.done_at.is_(None), IncidentAction.done_at >= until))


async def action_item_counts(db: AsyncSession, *, since: datetime, until: datetime, today: date,
                             team_id: str | None = None) -> ActionItemCounts:
    """``today``: ``until``'s day in the desk's time zone (due days are local days)."""
    added = and_(IncidentAction.created_at >= since, IncidentAction.created_at < until)
    done = and_(added, IncidentAction.done_at.is_not(None), IncidentAction.done_at < until)
    late = and_(_open_at(until), IncidentAction.due_on < today)
    stmt = select(*(func.sum(case((condition, 1), else_=0)) for condition in (added, done, _open_at(until), late))
                  ).select_from(IncidentAction).where(*_of_team(team_id))
    row = (await db.execute(stmt)).one()
    return ActionItemCounts(*(int(n or 0) for n in row))


async def overdue_action_items(db: AsyncSession, *, until: datetime, today: date, limit: int,
                               team_id: str | None = None) -> list[IncidentAction]:
    """The items open at ``until`` and due before ``today``, the longest overdue first."""
    stmt = (select(IncidentAction).where(_open_at(until), IncidentAction.due_on < today, *_of_team(team_id))
            .order_by(IncidentAction.due_on, IncidentAction.incident_id, IncidentAction.number).limit(limit))
    return list((await db.execute(stmt)).scalars())
