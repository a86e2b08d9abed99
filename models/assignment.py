"""Who may be given tickets: agents away (``/ticket away`` until ``/ticket back``), each
tier's round-robin position, and how many open tickets each agent holds.

    await set_away(db, team_id="T1", user_id="U1", since=now)       # True: was not away
    away = await away_users(db, "T1", ["U1", "U2"])                 # {"U1"}
    cursor = await lock_cursor(db, "T1", "tier1")                   # held until commit
    counts = await open_counts(db, "T1", ["U1", "U2"])              # {"U1": 3}

The cursor row is locked (``models/locks.py``) by whoever assigns in its tier, so two
replicas assigning at once take turns and never hand two tickets to the same "next" agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore
from models.locks import lock_row
from models.tickets import OPEN_STATUSES, Ticket

__all__ = ["AssignmentCursor", "AwayAgent", "away_users", "lock_cursor", "open_counts", "set_away", "set_back"]


class AwayAgent(Base):
    """An agent who takes no automatic assignments until they say they are back."""

    __tablename__ = "agents_away"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime]


class AssignmentCursor(Base):
    """The agent of a tier who was given a ticket last by round robin."""

    __tablename__ = "assignment_cursors"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tier_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_user_id: Mapped[str | None] = mapped_column(String(64))


async def set_away(db: AsyncSession, *, team_id: str, user_id: str, since: datetime) -> bool:
    """Mark ``user_id`` away; False when they already were."""
    return await insert_ignore(db, AwayAgent, {"team_id": team_id, "user_id": user_id, "since": since})


async def set_back(db: AsyncSession, *, team_id: str, user_id: str) -> bool:
    """Mark ``user_id`` back; False when they were not away."""
    result = await db.execute(delete(AwayAgent).where(AwayAgent.team_id == team_id, AwayAgent.user_id == user_id)
                              .execution_options(synchronize_session=False))
    return bool(result.rowcount)


async def away_users(db: AsyncSession, team_id: str, user_ids: Sequence[str]) -> set[str]:
    """Those of ``user_ids`` who are away."""
    if not user_ids:
        return set()
    rows = await db.execute(select(AwayAgent.user_id).where(AwayAgent.team_id == team_id,
                                                            AwayAgent.user_id.in_(list(user_ids))))
    return set(rows.scalars())


async def lock_cursor(db: AsyncSession, team_id: str, tier_id: str) -> AssignmentCursor:
    """The tier's round-robin cursor, created if missing and held until commit."""
    await insert_ignore(db, AssignmentCursor, {"team_id": team_id, "tier_id": tier_id, "last_user_id": None})
    cursor = await lock_row(db, AssignmentCursor,
                            (AssignmentCursor.team_id == team_id) & (AssignmentCursor.tier_id == tier_id))
    assert cursor is not None, "inserted above"
    return cursor


async def open_counts(db: AsyncSession, team_id: str, user_ids: Sequence[str]) -> dict[str, int]:
    """How many open tickets each of ``user_ids`` is assigned (absent: none)."""
    if not user_ids:
        return {}
    rows = await db.execute(select(Ticket.assignee_id, func.count()).where(
        Ticket.team_id == team_id, Ticket.assignee_id.in_(list(user_ids)), Ticket.status.in_(OPEN_STATUSES),
    ).group_by(Ticket.assignee_id))
    return {str(user_id): int(count) for user_id, count in rows}
