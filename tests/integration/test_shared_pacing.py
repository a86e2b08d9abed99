"""Replicas share each channel's posting budget through the database (bot/shared_pacer.py):
two of them together get one burst and one post a second per channel, not one each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.pool import NullPool

from bot.channel_pacer import ChannelPacer
from bot.database import make_engine, upgrade_database
from bot.runtime import build_runtime
from bot.shared_pacer import SharedChannelPacer
from bot.slack_gateway import make_slack_client
from tests.conftest import BOT_TOKEN, make_settings
from tests.dbutil import test_database_kind, throwaway_database


@pytest.fixture
async def two_replicas() -> AsyncIterator[tuple]:
    """Two engines (two replicas' pools) on one migrated database."""
    async with throwaway_database(test_database_kind()) as url:
        engines = make_engine(url), make_engine(url)
        try:
            await upgrade_database(engines[0])
            yield engines
        finally:
            for engine in engines:
                await engine.dispose()


class FrozenTime:
    """A wall clock that stands still; the waits it was asked for are recorded."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))


def pacer(engine, time: FrozenTime, **kwargs) -> SharedChannelPacer:
    return SharedChannelPacer(engine, now=lambda: time.now, sleep=time.sleep, **kwargs)


async def test_two_replicas_get_one_burst_and_then_one_post_a_second_between_them(two_replicas):
    time = FrozenTime()
    a, b = (pacer(engine, time) for engine in two_replicas)
    for i in range(14):  # the replicas take turns on one channel, all in the same second
        await (a if i % 2 else b).wait("C0STORM")
    assert time.waits == [1.0, 2.0, 3.0, 4.0]  # 10 at once, then one more each second
    await a.wait("C0OTHER")
    assert time.waits == [1.0, 2.0, 3.0, 4.0]  # another channel has its own budget


async def test_the_budget_refills_one_post_per_interval(two_replicas):
    time = FrozenTime()
    a, b = (pacer(engine, time, rate=2.0, burst=3) for engine in two_replicas)
    for replica in (a, b, a):
        await replica.wait("C0STORM")
    assert time.waits == []
    time.now += 1.0  # two posts' worth
    for replica in (b, a):
        await replica.wait("C0STORM")
    assert time.waits == []
    await b.wait("C0STORM")
    assert time.waits == [0.5]


async def test_two_replicas_clients_are_paced_together_against_slack(two_replicas, fake_slack):
    """Real time, real HTTP: 12 posts from two clients at 20 a second with a burst of 2
    take at least (12 - 2) / 20 s; each client alone would allow them in 0.2 s."""
    clients = [make_slack_client(token=BOT_TOKEN, base_url=fake_slack.api_url,
                                 pacer=SharedChannelPacer(engine, rate=20.0, burst=2)) for engine in two_replicas]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(client.chat_postMessage(channel="C0TIER1FL", text=f"notice {i}")
                           for i in range(6) for client in clients))
    elapsed = loop.time() - started
    assert len(fake_slack.calls_to("chat.postMessage")) == 12
    assert all(call.ok for call in fake_slack.calls_to("chat.postMessage"))
    assert elapsed >= 0.45, elapsed


async def test_without_the_database_a_replica_paces_its_own_posts_and_still_posts(caplog):
    time = FrozenTime()
    unreachable = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", poolclass=NullPool)
    fallback = ChannelPacer(burst=1, sleep=time.sleep)
    try:
        shared = SharedChannelPacer(unreachable, now=lambda: time.now, sleep=time.sleep, fallback=fallback)
        with caplog.at_level(logging.WARNING, logger="bot.shared_pacer"):
            await shared.wait("C0STORM")
            await shared.wait("C0STORM")
    finally:
        await unreachable.dispose()
    assert len(time.waits) == 1 and 0 < time.waits[0] <= 1.0  # the second waited for this process's budget
    assert "no shared posting budget" in caplog.text


async def test_replicas_on_postgres_share_the_budget_and_sqlite_keeps_its_own(database_url, fake_slack, config, clock):
    runtime = build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config, clock=clock)
    try:
        kind = type(runtime.slack.pacer)  # the client every workflow and the outbox relay post through
    finally:
        await runtime.close()
    assert kind is (SharedChannelPacer if test_database_kind() == "postgres" else ChannelPacer)
