"""Statements on overrides and the on-call timeline (``models/oncall.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import conflict_insert, dialect_name, insert_ignore
from models.incidents import Incident, IncidentStatus
from models.oncall import OncallEvent, OncallEventKind, OncallHandover, OncallOverride, OncallSnapshot
from models.pages import Page, PageStatus
from models.tickets import Ticket

__all__ = ["OpenWork", "add_oncall_event", "claim_handover", "latest_handover", "mark_usergroup_synced",
           "open_work", "override_at", "overrides_after", "store_snapshot"]

#: Ticket priorities a hand-over lists.
HANDOVER_PRIORITIES = ("P0", "P1")


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


async def latest_handover(db: AsyncSession) -> OncallHandover | None:
    stmt = select(OncallHandover).order_by(OncallHandover.id.desc()).limit(1)
    return (await db.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def claim_handover(db: AsyncSession, values: dict[str, Any]) -> OncallHandover | None:
    """Insert the hand-over that follows ``values["previous_id"]``; None when another
    process did first (the unique ``previous_id``)."""
    if not await insert_ignore(db, OncallHandover, values):
        return None
    stmt = select(OncallHandover).where(OncallHandover.previous_id == values["previous_id"])
    return (await db.execute(stmt)).scalar_one()


async def mark_usergroup_synced(db: AsyncSession, handover_id: int, *, now: datetime) -> None:
    """The user group was set for ``handover_id``; older hand-overs owe nothing any more."""
    await db.execute(update(OncallHandover).where(OncallHandover.id <= handover_id,
                                                  OncallHandover.usergroup_synced_at.is_(None))
                     .values(usergroup_synced_at=now))


@dataclass(frozen=True)
class OpenWork:
    pages: list[Page]
    incidents: list[Incident]
    tickets: list[Ticket]


async def open_work(db: AsyncSession, *, limit: int = 10) -> OpenWork:
    """Open pages, open incidents and open P0/P1 tickets, oldest first (``limit`` + 1 each,
    so that the caller can say there are more)."""
    pages = select(Page).where(Page.status.in_((PageStatus.TRIGGERED, PageStatus.ACKNOWLEDGED))) \
        .order_by(Page.triggered_at, Page.id).limit(limit + 1)
    incidents = select(Incident).where(Incident.status == IncidentStatus.OPEN) \
        .order_by(Incident.declared_at, Incident.id).limit(limit + 1)
    tickets = select(Ticket).where(Ticket.resolved_at.is_(None), Ticket.priority.in_(HANDOVER_PRIORITIES)) \
        .order_by(Ticket.priority, Ticket.created_at, Ticket.id).limit(limit + 1)
    return OpenWork(pages=list((await db.execute(pages)).scalars()),
                    incidents=list((await db.execute(incidents)).scalars()),
                    tickets=list((await db.execute(tickets)).scalars()))
