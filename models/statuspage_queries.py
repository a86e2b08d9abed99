"""The statements on status page updates (``models/statuspage_updates.py``): owing one,
finding the heads due, claiming one for a send, and recording what came of it.

A row is pending while neither ``sent_at`` nor ``failed_at`` is set. Only an incident's
oldest pending row (its head) may be sent. Every outcome is recorded conditionally on the
``attempts`` the claim got, so a sender whose lease ran out (another claimed the row
since) records nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.statuspage_updates import StatuspageUpdate, StatuspageUpdateKind

__all__ = ["claim_statuspage_update", "due_statuspage_updates", "fail_statuspage_update", "failed_statuspage_updates",
           "owe_statuspage_update", "pending_statuspage_updates", "record_statuspage_sent", "retry_statuspage_update",
           "waiting_statuspage_updates"]


def _pending(row: type[StatuspageUpdate] | StatuspageUpdate = StatuspageUpdate) -> ColumnElement[bool]:
    return and_(row.sent_at.is_(None), row.failed_at.is_(None))  # type: ignore[union-attr]


def _is_head() -> ColumnElement[bool]:
    earlier = aliased(StatuspageUpdate)
    return ~exists().where(earlier.incident_id == StatuspageUpdate.incident_id, earlier.id < StatuspageUpdate.id,
                           earlier.sent_at.is_(None), earlier.failed_at.is_(None))


def owe_statuspage_update(db: AsyncSession, *, incident_id: int, kind: StatuspageUpdateKind, body: str,
                          created_by: str | None, now: datetime, status: str | None = None) -> StatuspageUpdate:
    """Owe one update, in the caller's transaction; due at once."""
    row = StatuspageUpdate(incident_id=incident_id, kind=kind, body=body, status=status, created_by=created_by,
                           created_at=now, attempts=0, next_attempt_at=now)
    db.add(row)
    return row


async def pending_statuspage_updates(db: AsyncSession, incident_id: int) -> int:
    stmt = select(func.count()).select_from(StatuspageUpdate).where(
        StatuspageUpdate.incident_id == incident_id, _pending())
    return int((await db.execute(stmt)).scalar_one())


async def due_statuspage_updates(db: AsyncSession, *, now: datetime, limit: int,
                                 incident_id: int | None = None) -> list[int]:
    """The heads due at ``now`` (one per incident at most), oldest first."""
    stmt = select(StatuspageUpdate.id).where(_pending(), StatuspageUpdate.next_attempt_at <= now, _is_head())
    if incident_id is not None:
        stmt = stmt.where(StatuspageUpdate.incident_id == incident_id)
    return list((await db.execute(stmt.order_by(StatuspageUpdate.id).limit(limit))).scalars())


async def claim_statuspage_update(db: AsyncSession, update_id: int, *, now: datetime,
                                  lease: timedelta) -> int | None:
    """Take the row for one attempt (a lease of ``lease``) if it is still the due head of
    its incident; the attempt's number (``attempts`` after the claim), else None."""
    claimed = await db.execute(
        update(StatuspageUpdate)
        .where(StatuspageUpdate.id == update_id, _pending(), StatuspageUpdate.next_attempt_at <= now, _is_head())
        .values(next_attempt_at=now + lease, attempts=StatuspageUpdate.attempts + 1)
        .returning(StatuspageUpdate.attempts)
        .execution_options(synchronize_session=False))
    return claimed.scalar_one_or_none()


async def _settle(db: AsyncSession, update_id: int, attempts: int, **values: object) -> bool:
    result = await db.execute(
        update(StatuspageUpdate)
        .where(StatuspageUpdate.id == update_id, StatuspageUpdate.attempts == attempts, _pending())
        .values(**values).returning(StatuspageUpdate.id).execution_options(synchronize_session=False))
    return result.first() is not None


async def record_statuspage_sent(db: AsyncSession, update_id: int, *, attempts: int, now: datetime) -> bool:
    return await _settle(db, update_id, attempts, sent_at=now, last_error=None)


async def retry_statuspage_update(db: AsyncSession, update_id: int, *, attempts: int, at: datetime,
                                  error: str) -> bool:
    return await _settle(db, update_id, attempts, next_attempt_at=at, last_error=error)


async def fail_statuspage_update(db: AsyncSession, update_id: int, *, attempts: int, now: datetime,
                                 error: str) -> bool:
    return await _settle(db, update_id, attempts, failed_at=now, last_error=error)


async def waiting_statuspage_updates(db: AsyncSession, *, limit: int) -> tuple[int, list[StatuspageUpdate]]:
    """How many updates are still owed to the status page (neither sent nor refused), and
    the oldest ``limit`` of them (``supportbot doctor``)."""
    count = (await db.execute(select(func.count()).select_from(StatuspageUpdate).where(_pending()))).scalar_one()
    rows = (await db.execute(select(StatuspageUpdate).where(_pending())
                             .order_by(StatuspageUpdate.id).limit(limit))).scalars()
    return int(count), list(rows)


async def failed_statuspage_updates(db: AsyncSession, *, since: datetime,
                                    limit: int) -> tuple[int, list[StatuspageUpdate]]:
    """How many updates the status page refused since ``since`` (given up on), and the
    latest ``limit`` of them (``supportbot doctor``)."""
    recent = (StatuspageUpdate.failed_at.is_not(None), StatuspageUpdate.failed_at >= since)
    count = (await db.execute(select(func.count()).select_from(StatuspageUpdate).where(*recent))).scalar_one()
    rows = (await db.execute(select(StatuspageUpdate).where(*recent)
                             .order_by(StatuspageUpdate.failed_at.desc(), StatuspageUpdate.id.desc())
                             .limit(limit))).scalars()
    return int(count), list(rows)
