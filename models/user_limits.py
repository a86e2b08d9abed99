"""What one person did in the last minute, for the per-user limits (app.yaml ``limits``).

    await lock_user_action(db, team_id="T1", user_id="U1", action=LimitedAction.OPEN_TICKET, now=now)
    times = await recent_tickets_of(db, team_id="T1", user_id="U1", since=now - MINUTE, limit=10)

The count is over the rows the actions leave anyway (``tickets.created_at`` of the
reporter, ``incidents.declared_at`` of the declarer), read through the indexes
``(reporter_id, created_at)`` and ``(declared_by, declared_at)``, newest first and no
more than the limit: so every replica sees the same count and no counter can drift.

To make "count, then create" exact when one person sends two requests to two replicas
at once, the creating transaction first takes the person's row in
``user_action_locks`` (an upsert: a row lock on Postgres, the write lock on SQLite)
and holds it until it commits; a second transaction for the same person and action
waits there and then counts the first one's row.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, conflict_insert, dialect_name
from models.incidents import Incident
from models.tickets import Ticket

__all__ = ["LimitedAction", "UserActionLock", "lock_user_action", "recent_declarations_of", "recent_tickets_of"]


class LimitedAction(enum.StrEnum):
    OPEN_TICKET = "open_ticket"
    DECLARE_INCIDENT = "declare_incident"


class UserActionLock(Base):
    """One row per person and limited action: taken (updated) by each transaction that
    counts and then creates, so that two of them for one person run one after the other."""

    __tablename__ = "user_action_locks"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    locked_at: Mapped[datetime]


async def lock_user_action(db: AsyncSession, *, team_id: str, user_id: str, action: LimitedAction,
                           now: datetime) -> None:
    """Hold ``user_id``'s row for ``action`` until the caller's transaction ends."""
    insert = conflict_insert(dialect_name(db), UserActionLock).values(
        team_id=team_id, user_id=user_id, action=str(action), locked_at=now)
    await db.execute(insert.on_conflict_do_update(
        index_elements=["team_id", "user_id", "action"], set_={"locked_at": insert.excluded.locked_at}))


async def recent_tickets_of(db: AsyncSession, *, team_id: str, user_id: str, since: datetime,
                            limit: int) -> list[datetime]:
    """When ``user_id`` opened tickets after ``since``: newest first, at most ``limit``."""
    stmt = (select(Ticket.created_at)
            .where(Ticket.reporter_id == user_id, Ticket.created_at > since, Ticket.team_id == team_id)
            .order_by(Ticket.created_at.desc()).limit(limit))
    return list((await db.execute(stmt)).scalars())


async def recent_declarations_of(db: AsyncSession, *, team_id: str, user_id: str, since: datetime,
                                 limit: int) -> list[datetime]:
    """When ``user_id`` declared incidents after ``since``: newest first, at most ``limit``."""
    stmt = (select(Incident.declared_at)
            .where(Incident.declared_by == user_id, Incident.declared_at > since, Incident.team_id == team_id)
            .order_by(Incident.declared_at.desc()).limit(limit))
    return list((await db.execute(stmt)).scalars())
