"""Housekeeping: forget Slack delivery ids once Slack can no longer redeliver them, and
sent outbox rows once nobody will look at them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.deliveries import SlackDelivery, mark_processed
from models.outbox import prune_sent

# Slack retries a delivery three times within minutes; a day is a wide margin.
DELIVERY_MEMORY = timedelta(days=1)


async def prune_deliveries(*, db: AsyncSession, now: datetime) -> int:
    result = await db.execute(delete(SlackDelivery).where(SlackDelivery.received_at < now - DELIVERY_MEMORY))
    return result.rowcount or 0


#: Sent (or finally refused) outbox rows are kept a week, for looking into "where did
#: that message go?".
OUTBOX_MEMORY = timedelta(days=7)


async def prune_outbox(*, db: AsyncSession, now: datetime) -> int:
    return await prune_sent(db, now - OUTBOX_MEMORY)


async def event_processed(*, sessions: async_sessionmaker[AsyncSession], event_id: str, now: datetime) -> None:
    """An event's listener has finished: it is not replayed after a crash (``bot/event_replay.py``)."""
    async with sessions.begin() as db:
        await mark_processed(db, event_id, now)
