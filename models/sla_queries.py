"""SLA notification rows: writing a ticket's plan, claiming what is due, the next wake-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_name, insert_ignore
from models.sla import SlaNotification, SlaNotificationKind


async def replace_unclaimed(
    db: AsyncSession, ticket_id: int, planned: Iterable[tuple[SlaNotificationKind, datetime]],
) -> None:
    """Make the ticket's unclaimed rows exactly ``planned``; claimed rows are history."""
    await db.execute(delete(SlaNotification).where(
        SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_(None)))
    for kind, due_at in planned:
        await insert_ignore(db, SlaNotification, {"ticket_id": ticket_id, "kind": kind, "due_at": due_at})


async def claimed_kinds(db: AsyncSession, ticket_id: int) -> set[SlaNotificationKind]:
    """The kinds of notification already fired (claimed) for the ticket."""
    stmt = select(SlaNotification.kind).where(
        SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_not(None)).distinct()
    return set((await db.execute(stmt)).scalars())


async def claim_next_due(db: AsyncSession, now: datetime) -> SlaNotification | None:
    """Claim the oldest due, unclaimed notification in the caller's transaction.

    The conditional UPDATE is the claim: of two replicas (or a restarted process racing
    a stale one) only one gets the row back. On Postgres, SKIP LOCKED lets the other
    move on to the next row instead of waiting.
    """
    while True:
        pick = (select(SlaNotification.id)
                .where(SlaNotification.claimed_at.is_(None), SlaNotification.due_at <= now)
                .order_by(SlaNotification.due_at, SlaNotification.id).limit(1))
        if dialect_name(db) == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        row_id = (await db.execute(pick)).scalar_one_or_none()
        if row_id is None:
            return None
        claimed = (await db.execute(
            update(SlaNotification)
            .where(SlaNotification.id == row_id, SlaNotification.claimed_at.is_(None))
            .values(claimed_at=now)
            .returning(SlaNotification.id)
            .execution_options(synchronize_session=False)
        )).scalar_one_or_none()
        if claimed is not None:
            return (await db.execute(select(SlaNotification).where(SlaNotification.id == claimed))).scalar_one()


async def next_due_at(db: AsyncSession) -> datetime | None:
    """When the next unclaimed notification falls due (the scheduler's next wake-up)."""
    stmt = select(func.min(SlaNotification.due_at)).where(SlaNotification.claimed_at.is_(None))
    return (await db.execute(stmt)).scalar_one_or_none()


async def set_aside(db: AsyncSession, notification_id: int, now: datetime) -> None:
    """Claim a notification whose processing failed, so it does not block the others."""
    await db.execute(update(SlaNotification).where(
        SlaNotification.id == notification_id, SlaNotification.claimed_at.is_(None)).values(claimed_at=now))
