"""Per-channel pacing of posts, within Slack's limit of about one message per second per
channel (short bursts allowed): a budget per channel, so a storm of notices to one
channel is queued and sent at the allowed rate instead of being refused with 429s.

The budget is a token bucket of ``burst`` posts refilled at ``rate`` a second, kept as
a GCRA "theoretical arrival time" per channel (as ``models/channel_pace.py`` keeps it
for replicas): each post reserves the next slot, in order, and waits until it comes.

- ``wait(channel)``: reserve the next slot and wait for it, however long (a direct
  post, which holds nothing while it waits);
- ``wait_within(channel, limit)``: the same if the slot comes within ``limit``
  seconds; otherwise reserve nothing and say how long it would have been (the outbox
  relay, which must not wait longer than it holds its lease).

Real (monotonic) time, not the domain clock: this is about Slack's rate, not deadlines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ChannelPacer:
    def __init__(self, *, rate: float = 1.0, burst: int = 10,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._interval, self._burst = 1.0 / rate, burst
        self._monotonic, self._sleep = monotonic, sleep
        self._tat: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        """Return when one more message may be posted to ``channel``; posts queue in order."""
        await self.wait_within(channel, float("inf"))

    async def wait_within(self, channel: str, limit: float) -> float:
        """Reserve ``channel``'s next slot and wait for it, if it comes within ``limit``
        seconds; return the seconds until the slot. A value above ``limit`` means nothing
        was reserved and nothing waited: come back about then."""
        now = self._monotonic()
        tat = max(self._tat.get(channel, now), now) + self._interval
        delay = max(0.0, tat - self._burst * self._interval - now)
        if delay > limit:
            return delay
        self._tat[channel] = tat
        if delay > 0:
            await self._sleep(delay)
        return delay
