"""Statements on overrides and the on-call timeline (``models/oncall.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import conflict_insert, dialect_name
from models.oncall import OncallEvent, OncallEventKind, OncallOverride, OncallSnapshot

__all__ = ["add_oncall_event", "override_at", "overrides_after", "store_snapshot"]


async def override_at(db: AsyncSession, at: datetime) -> OncallOverride | None:
    """The override covering ``at`` (the newest when several do), or None."""
    stmt = (select(OncallOverride).where(OncallOverride.starts_at <= at, OncallOverride.ends_at > at)
            .order_by(OncallOverride.id.desc()).limit(1))
    return (await db.execute(stmt)).scalar_one_or_none()


async def overrides_after(db: AsyncSession, now: datetime, *, limit: int = 10) -> list[OncallOverride]:
    """Overrides not over yet at ``now``, soonest first."""
    stmt = (select(OncallOverride).where(OncallOverride.ends_at > now)
            .order_by(OncallOverride.starts_at, OncallOverride.id).limit(limit))
    return list((await db.execute(stmt)).scalars())


def add_oncall_event(db: AsyncSession, kind: OncallEventKind, *, actor_id: str | None, at: datetime,
                     detail: dict[str, Any] | None = None) -> None:
    db.add(OncallEvent(kind=kind, actor_id=actor_id, at=at, detail=detail))


async def store_snapshot(db: AsyncSession, source: str, values: dict[str, Any]) -> None:
    """Insert or update the snapshot of ``source`` (two writers at once: the last one wins)."""
    stmt = conflict_insert(dialect_name(db), OncallSnapshot).values(source=source, **values)
    await db.execute(stmt.on_conflict_do_update(index_elements=[OncallSnapshot.source], set_=values))
