"""Inbound deliveries: de-duplicating retries, and replaying events lost to a crash.

Slack redelivers an Events API event (``X-Slack-Retry-Num``) when it did not see our
answer in time, and PagerDuty webhooks are at-least-once. A middleware records the
delivery id before processing; only the first caller gets True.

Slack's events are acknowledged before their listener runs. For the events whose
listener changes state, the row also keeps the event's ``body`` until it is processed
(``processed_at``): in the transaction of the change the event causes
(:func:`claim_processing`), or when its listener has finished without changing
anything. A row left unprocessed (the process died in between) is replayed once
(``replayed_at``) by ``bot/event_replay.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore

__all__ = ["SlackDelivery", "claim_processing", "claim_replay", "mark_processed", "record_delivery",
           "unprocessed_events"]


class SlackDelivery(Base):
    """A delivery id seen once (Slack ``event_id``; other sources may prefix theirs)."""

    __tablename__ = "slack_deliveries"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    body: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    replayed_at: Mapped[datetime | None]


async def record_delivery(db: AsyncSession, event_id: str, now: datetime, *, body: str | None = None) -> bool:
    """Record ``event_id`` as received at ``now`` (with ``body``: kept until processed):
    True if new, False if seen before.

    Insert-or-ignore, atomic on SQLite and Postgres. Runs in the caller's transaction:
    commit it before (or with) the work the delivery causes.
    """
    return await insert_ignore(db, SlackDelivery, {"event_id": event_id, "received_at": now, "body": body})


async def mark_processed(db: AsyncSession, event_id: str, now: datetime) -> None:
    """The event's listener has finished: its body is no longer needed."""
    await db.execute(update(SlackDelivery).where(SlackDelivery.event_id == event_id, SlackDelivery.body.is_not(None))
                     .values(processed_at=now, body=None).execution_options(synchronize_session=False))


async def claim_processing(db: AsyncSession, event_id: str, now: datetime) -> bool:
    """Mark the event processed in the caller's transaction, the one making its change;
    False when it was processed already (by the run it was replayed for, or by its
    replay): the caller then changes nothing. An event never recorded (no row) is
    processed by whoever calls.

    One conditional UPDATE: on Postgres a second claimer waits for the first one's
    commit and then finds ``processed_at`` set; SQLite serialises writers."""
    claimed = (await db.execute(
        update(SlackDelivery).where(SlackDelivery.event_id == event_id, SlackDelivery.processed_at.is_(None))
        .values(processed_at=now, body=None).returning(SlackDelivery.event_id)
        .execution_options(synchronize_session=False)
    )).first()
    if claimed is not None:
        return True
    return (await db.execute(select(SlackDelivery.event_id).where(SlackDelivery.event_id == event_id))).first() is None


async def unprocessed_events(db: AsyncSession, received_before: datetime, *, limit: int = 100) -> list[str]:
    """Ids of kept events never processed nor replayed, received before ``received_before``."""
    stmt = (select(SlackDelivery.event_id)
            .where(SlackDelivery.body.is_not(None), SlackDelivery.processed_at.is_(None),
                   SlackDelivery.replayed_at.is_(None), SlackDelivery.received_at < received_before)
            .order_by(SlackDelivery.received_at).limit(limit))
    return list((await db.execute(stmt)).scalars())


async def claim_replay(db: AsyncSession, event_id: str, now: datetime) -> str | None:
    """Take the event for its one replay; its body, or None if another process took it."""
    return (await db.execute(
        update(SlackDelivery).where(SlackDelivery.event_id == event_id, SlackDelivery.replayed_at.is_(None),
                                    SlackDelivery.processed_at.is_(None))
        .values(replayed_at=now).returning(SlackDelivery.body).execution_options(synchronize_session=False)
    )).scalar_one_or_none()
