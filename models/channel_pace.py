"""The per-channel posting budget that every replica shares.

Slack allows a bot about one message per second per channel, with short bursts. Each
process used to keep its own budget, so two replicas could give one channel twice the
burst. One row per channel now holds the budget for all of them, as a GCRA "theoretical
arrival time" (``tat``, seconds since the epoch, wall clock: it must mean the same on
every replica, which a monotonic clock does not):

    tat' = max(tat, now) + interval        (reserve the next slot, atomically)
    the post may go at  tat' - burst * interval

which is a token bucket of ``burst`` posts refilled one per ``interval``.
"""

from __future__ import annotations

from sqlalchemy import Double, String, func
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, conflict_insert

__all__ = ["SlackChannelPace", "reserve_post_slot"]


class SlackChannelPace(Base):
    """The next free posting slot of one Slack channel, shared by the replicas."""

    __tablename__ = "slack_channel_pace"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)


async def reserve_post_slot(conn: AsyncConnection, channel: str, *, now: float, interval: float) -> float:
    """Reserve the next slot of ``channel`` in one atomic upsert; return the new ``tat``."""
    table = SlackChannelPace.__table__
    latest = func.greatest if conn.dialect.name == "postgresql" else func.max
    stmt = (
        conflict_insert(conn.dialect.name, table).values(channel=channel, tat=now + interval)
        .on_conflict_do_update(index_elements=[table.c.channel],
                               set_={"tat": latest(table.c.tat, now) + interval})
        .returning(table.c.tat)
    )
    return float((await conn.execute(stmt)).scalar_one())
