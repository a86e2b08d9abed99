"""The per-channel posting budget that every replica shares.

Slack allows a bot about one message per second per channel, with short bursts. Each
process used to keep its own budget, so two replicas could give one channel twice the
burst. One row per channel now holds the budget for all of them, as a GCRA "theoretical
arrival time" (``tat``, seconds since the epoch, wall clock: it must mean the same on
every replica, which a monotonic clock does not):

    tat' = max(tat, now) + interval        (reserve the next slot, atomically)
    the post may go at  tat' - burst * interval

A caller that must not wait past a bound (the outbox relay, which holds a lease)
reserves only a slot whose ``tat'`` is within it, in the same statement (``latest``).

which is a token bucket of ``burst`` posts refilled one per ``interval``.
"""

from __future__ import annotations

from sqlalchemy import Double, String, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, conflict_insert

__all__ = ["SlackChannelPace", "reserve_post_slot"]


class SlackChannelPace(Base):
    """The next free posting slot of one Slack channel, shared by the replicas."""

    __tablename__ = "slack_channel_pace"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)


async def reserve_post_slot(conn: AsyncConnection, channel: str, *, now: float, interval: float,
                            latest: float | None = None) -> tuple[float, bool]:
    """Reserve the next slot of ``channel`` in one atomic upsert: (the new ``tat``, True).
    With ``latest``, only if the new ``tat`` would not pass it; otherwise nothing is
    reserved and the answer is (the ``tat`` it would have had, False)."""
    table = SlackChannelPace.__table__
    latest_of = func.greatest if conn.dialect.name == "postgresql" else func.max
    next_tat = latest_of(table.c.tat, now) + interval
    stmt = (
        conflict_insert(conn.dialect.name, table).values(channel=channel, tat=now + interval)
        .on_conflict_do_update(index_elements=[table.c.channel], set_={"tat": next_tat},
                               where=None if latest is None else next_tat <= latest)
        .returning(table.c.tat)
    )
    reserved = (await conn.execute(stmt)).scalar_one_or_none()
    if reserved is not None:
        return float(reserved), True
    current = (await conn.execute(select(table.c.tat).where(table.c.channel == channel))).scalar_one()
    return max(float(current), now) + interval, False
