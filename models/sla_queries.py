"""SLA notification rows: writing a ticket's plan, claiming what is due, the next wake-up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_ignore
from models.sla import SlaNotification, SlaNotificationKind


async def replace_unclaimed(
    db: AsyncSession, ticket_id: int, planned: Iterable[tuple[SlaNotificationKind, datetime]],
    *, after: datetime | None = None,
) -> None:
    """Make the ticket's unclaimed rows exactly ``planned``; claimed rows are history.
    ``after``: only the rows due after that moment; those due by then stay as they are."""
    where = [SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_(None)]
    if after is not None:
        where.append(SlaNotification.due_at > after)
    await db.execute(delete(SlaNotification).where(*where))
    for kind, due_at in planned:
        if after is None or due_at > after:
            await insert_ignore(db, SlaNotification, {"ticket_id": ticket_id, "kind": kind, "due_at": due_at})


async def claimed_kinds(db: AsyncSession, ticket_id: int) -> set[SlaNotificationKind]:
    """The kinds of notification already fired (claimed) for the ticket."""
    stmt = select(SlaNotification.kind).where(
        SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_not(None)).distinct()
    return set((await db.execute(stmt)).scalars())


async def next_due_candidate(db: AsyncSession, now: datetime) -> tuple[int, int] | None:
    """(notification id, ticket id) of the oldest due, unclaimed notification; no lock taken.

    The caller locks the ticket first and only then claims the row (``claim``): the
    same order as every workflow that re-plans a ticket's notifications, so the two
    never deadlock on Postgres.
    """
    stmt = (select(SlaNotification.id, SlaNotification.ticket_id)
            .where(SlaNotification.claimed_at.is_(None), SlaNotification.due_at <= now)
            .order_by(SlaNotification.due_at, SlaNotification.id).limit(1))
    row = (await db.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def claim(db: AsyncSession, notification_id: int, now: datetime) -> SlaNotification | None:
    """Claim one notification in the caller's transaction; None if another process (or a
    re-plan) got there first. The conditional UPDATE is what makes it exactly once."""
    claimed = (await db.execute(
        update(SlaNotification)
        .where(SlaNotification.id == notification_id, SlaNotification.claimed_at.is_(None))
        .values(claimed_at=now)
        .returning(SlaNotification.id)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
    if claimed is None:
        return None
    return (await db.execute(select(SlaNotification).where(SlaNotification.id == claimed))).scalar_one()


async def next_due_at(db: AsyncSession) -> datetime | None:
    """When the next unclaimed notification falls due (the scheduler's next wake-up)."""
    stmt = select(func.min(SlaNotification.due_at)).where(SlaNotification.claimed_at.is_(None))
    return (await db.execute(stmt)).scalar_one_or_none()


async def set_aside(db: AsyncSession, notification_id: int, now: datetime) -> SlaNotificationKind | None:
    """Claim a notification whose processing cannot succeed, so it does not block the
    others; its kind, or None if it was claimed meanwhile (nothing was set aside)."""
    return (await db.execute(
        update(SlaNotification)
        .where(SlaNotification.id == notification_id, SlaNotification.claimed_at.is_(None))
        .values(claimed_at=now)
        .returning(SlaNotification.kind)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
