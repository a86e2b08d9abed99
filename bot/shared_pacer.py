"""Per-channel pacing shared by every replica, through the database.

``bot/channel_pacer.py`` keeps each process's own budget. With several replicas on
Postgres, each one's burst of 10 added up: a channel could get 18 posts in a second
from two replicas (Slack answers the excess with 429). Here each post first reserves
its slot in ``slack_channel_pace`` (``models/channel_pace.py``), one atomic upsert, and
waits until that slot comes, so the replicas together keep within one budget.

The reservation is a short transaction of its own, before the post: it never holds a
lock while waiting or while Slack answers. When the database cannot be reached the
post is paced by this process's own budget instead (and a warning logged): the post
still goes, as it did before.

``wait`` waits as long as the slot takes (a direct post); ``wait_within`` reserves
only a slot that comes within a bound, and otherwise says how long it would have been
(the outbox relay, which must not wait longer than it holds its lease).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channel_pacer import ChannelPacer
from models.channel_pace import reserve_post_slot

__all__ = ["SharedChannelPacer"]

log = logging.getLogger(__name__)


class SharedChannelPacer:
    def __init__(self, engine: AsyncEngine, *, rate: float = 1.0, burst: int = 10,
                 now: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 fallback: ChannelPacer | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._engine = engine
        self._interval, self._burst = 1.0 / rate, burst
        self._now, self._sleep = now, sleep
        self._fallback = fallback or ChannelPacer(rate=rate, burst=burst, sleep=sleep)

    async def wait(self, channel: str) -> None:
        """Return when one more message may be posted to ``channel`` by any replica."""
        await self.wait_within(channel, None)

    async def wait_within(self, channel: str, limit: float | None) -> float:
        """Reserve ``channel``'s next slot and wait for it, if it comes within ``limit``
        seconds (None: however long); return the seconds until the slot. A value above
        ``limit`` means nothing was reserved and nothing waited: come back about then."""
        now = self._now()
        latest = None if limit is None else now + limit + self._burst * self._interval
        try:
            async with self._engine.begin() as conn:
                tat, reserved = await reserve_post_slot(conn, channel, now=now, interval=self._interval,
                                                        latest=latest)
        except (SQLAlchemyError, OSError) as error:
            log.warning("channel %s: no shared posting budget (%s); pacing this replica's posts alone",
                        channel, f"{type(error).__name__}: {error}"[:200])
            return await self._fallback.wait_within(channel, float("inf") if limit is None else limit)
        delay = max(0.0, tat - self._burst * self._interval - self._now())  # the slot, less the round trip
        if not reserved:
            return max(delay, limit or 0.0) + 0.001  # above the limit: nothing was reserved
        if delay > 0:
            await self._sleep(delay)
        return delay
