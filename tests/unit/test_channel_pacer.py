"""The per-channel pacer, on a fake monotonic clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.channel_pacer import ChannelPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_a_burst_goes_at_once_then_one_per_second():
    clock = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=3, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(5):
        await pacer.wait("C1")
    assert clock.slept == [1.0, 1.0]
    assert clock.now == 2.0


async def test_channels_are_paced_separately():
    clock = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=1, monotonic=clock.monotonic, sleep=clock.sleep)
    await pacer.wait("C1")
    await pacer.wait("C2")
    assert clock.slept == []


async def test_quiet_time_refills_the_bucket_up_to_the_burst():
    clock = FakeTime()
    pacer = ChannelPacer(rate=2.0, burst=2, monotonic=clock.monotonic, sleep=clock.sleep)
    await pacer.wait("C1")
    await pacer.wait("C1")
    clock.now += 60
    await pacer.wait("C1")
    await pacer.wait("C1")
    assert clock.slept == []
    await pacer.wait("C1")
    assert clock.slept == [0.5]


async def test_concurrent_posts_queue_in_order():
    clock = FakeTime()
    pacer = ChannelPacer(rate=1.0, burst=1, monotonic=clock.monotonic, sleep=clock.sleep)
    order: list[int] = []

    async def post(n: int) -> None:
        await pacer.wait("C1")
        order.append(n)

    await asyncio.gather(*(post(n) for n in range(4)))
    assert order == [0, 1, 2, 3]
    assert clock.slept == [1.0, 1.0, 1.0]


def test_nonsense_settings_are_refused():
    with pytest.raises(ValueError):
        ChannelPacer(rate=0)
