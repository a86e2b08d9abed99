"""Housekeeping: forget Slack delivery ids once Slack can no longer redeliver them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.deliveries import SlackDelivery

# Slack retries a delivery three times within minutes; a day is a wide margin.
DELIVERY_MEMORY = timedelta(days=1)


async def prune_deliveries(*, db: AsyncSession, now: datetime) -> int:
    result = await db.execute(delete(SlackDelivery).where(SlackDelivery.received_at < now - DELIVERY_MEMORY))
    return result.rowcount or 0
