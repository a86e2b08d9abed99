"""Processed inbound deliveries, for de-duplicating retries.

Slack redelivers an Events API event (``X-Slack-Retry-Num``) when it did not see our
answer in time, and PagerDuty webhooks are at-least-once. A middleware records the
delivery id before processing; only the first caller gets True.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore

__all__ = ["SlackDelivery", "record_delivery"]


class SlackDelivery(Base):
    """A delivery id seen once (Slack ``event_id``; other sources may prefix theirs)."""

    __tablename__ = "slack_deliveries"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


async def record_delivery(db: AsyncSession, event_id: str, now: datetime) -> bool:
    """Record ``event_id`` as received at ``now``: True if new, False if seen before.

    Insert-or-ignore, atomic on SQLite and Postgres. Runs in the caller's transaction:
    commit it before (or with) the work the delivery causes.
    """
    return await insert_ignore(db, SlackDelivery, {"event_id": event_id, "received_at": now})
