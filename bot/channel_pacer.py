"""Per-channel pacing of posts, within Slack's limit of about one message per second per
channel (short bursts allowed): a token bucket per channel, so a storm of notices to one
channel is queued and sent at the allowed rate instead of being refused with 429s.

Real (monotonic) time, not the domain clock: this is about Slack's rate, not deadlines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ChannelPacer:
    def __init__(self, *, rate: float = 1.0, burst: int = 10,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._rate, self._burst = rate, float(burst)
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[str, _Bucket] = {}

    async def wait(self, channel: str) -> None:
        """Return when one more message may be posted to ``channel``; posts queue in order."""
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _Bucket(tokens=self._burst, updated=self._monotonic())
        async with bucket.lock:
            self._refill(bucket)
            if bucket.tokens < 1:
                await self._sleep((1 - bucket.tokens) / self._rate)
                self._refill(bucket)
            bucket.tokens -= 1

    def _refill(self, bucket: _Bucket) -> None:
        now = self._monotonic()
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
