"""Two relays on one database never post a message twice: the relay waits for a
channel's posting slot at most ``MAX_PACING_WAIT`` (well inside its lease), leases are
taken and compared on the database's clock (not each replica's), and a relay whose
lease ran out while it waited sends nothing.

The channel's posting budget is the shared one (``bot/shared_pacer.py``) on a wall
clock the test moves; "direct posts" (a listener posting at once, not through the
outbox) crowd the channel by reserving its slots ahead of the relay."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.runtime import build_runtime
from bot.shared_pacer import SharedChannelPacer
from bot.slack_gateway import make_slack_client
from models.outbox import OutboxStatus
from tests.conftest import BOT_TOKEN, make_settings
from tests.fakes.clock import FakeClock
from tests.outbox_steps import deliver_until_done, expire_leases, outbox, owe
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox
from workflows.outbox.relay import LEASE, MAX_PACING_WAIT

CHANNEL = "C0CROWDED"


class WallTime:
    """The pacers' wall clock. A sleep moves it (and the replicas' domain clocks) on at
    once; ``during_sleep`` is played the first time a relay sleeps: the other replica's
    relay runs while this one waits."""

    def __init__(self, *clocks: FakeClock) -> None:
        self.now = 1_800_000_000.0
        self.clocks = clocks
        self.waits: list[float] = []
        self.during_sleep: Callable[[], Awaitable[object]] | None = None

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for clock in self.clocks:
            clock.advance(timedelta(seconds=seconds))

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.advance(seconds)
        action, self.during_sleep = self.during_sleep, None
        if action is not None:
            await action()


@pytest.fixture
async def replicas(bot, database_url, fake_slack, config):
    """Two relays on one database, each with its own engine, its own domain clock and a
    Slack client paced by the shared budget; ``crowd(n)``: n direct posts reserve slots."""
    other_clock = FakeClock(bot.clock())
    other = build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config,
                          clock=other_clock)
    time = WallTime(bot.clock, other_clock)

    def relay(runtime, clock) -> Deps:
        pacer = SharedChannelPacer(runtime.engine, now=lambda: time.now, sleep=time.sleep)
        client = make_slack_client(token=BOT_TOKEN, base_url=fake_slack.api_url, pacer=pacer)
        return dataclasses.replace(runtime.deps, slack=client, clock=clock)

    mine, theirs = relay(bot.runtime, bot.clock), relay(other, other_clock)

    async def crowd(posts: int) -> None:
        direct = SharedChannelPacer(other.engine, now=lambda: time.now, sleep=_no_wait)
        for _ in range(posts):
            await direct.wait(CHANNEL)

    try:
        yield mine, theirs, time, crowd, other_clock
    finally:
        await other.close()


async def _no_wait(_seconds: float) -> None:
    return None


def _posted(fake_slack, text: str) -> int:
    return sum(1 for c in fake_slack.calls_to("chat.postMessage") if c.ok and c.args.get("text") == text)


async def _until_sent(mine: Deps, theirs: Deps, time: WallTime, bot) -> None:
    rows = await deliver_until_done(bot, mine, theirs, advance=lambda: time.advance(5))
    assert all(r.status == OutboxStatus.SENT for r in rows), [(r.id, r.status, r.last_error) for r in rows]


async def test_a_pacer_wait_longer_than_the_lease_with_two_relays_posts_once(bot, fake_slack, replicas):
    mine, theirs, time, crowd, _ = replicas
    await crowd(70)  # direct posts hold the channel's next minute of slots (a burst of 10, then 1 a second)
    await owe(bot, (CHANNEL, "msg paced"))
    time.during_sleep = lambda: deliver_outbox(theirs)  # should this relay wait, the other one runs meanwhile

    await deliver_outbox(mine)
    assert _posted(fake_slack, "msg paced") == 0, "posted by both relays: one waited past its lease"
    [row] = await outbox(bot)
    assert row.status == OutboxStatus.PENDING and row.lease_until is None and row.attempts == 0, \
        "given back untried, due when the slot comes"
    assert row.not_before >= bot.clock() + timedelta(seconds=55)
    await _until_sent(mine, theirs, time, bot)
    assert _posted(fake_slack, "msg paced") == 1
    assert max(time.waits, default=0) <= MAX_PACING_WAIT < LEASE.total_seconds()


async def test_a_replica_whose_clock_runs_ahead_does_not_take_a_lease_still_held(bot, fake_slack, replicas):
    mine, theirs, time, crowd, their_clock = replicas
    their_clock.advance(timedelta(minutes=2))  # the other replica's clock is two minutes ahead
    await crowd(15)  # the slot comes in about 5 s: this relay waits for it, holding its lease
    await owe(bot, (CHANNEL, "msg leased"))

    async def other_relay_runs() -> None:
        assert await deliver_outbox(theirs) == 0, "the lease is held on the database's clock"

    time.during_sleep = other_relay_runs
    assert await deliver_outbox(mine) == 1
    assert 0 < time.waits[0] <= MAX_PACING_WAIT
    await _until_sent(mine, theirs, time, bot)
    assert _posted(fake_slack, "msg leased") == 1


async def test_a_relay_whose_lease_ran_out_while_it_waited_sends_nothing(bot, fake_slack, replicas):
    mine, theirs, time, crowd, _ = replicas
    await crowd(15)
    await owe(bot, (CHANNEL, "msg fenced"))

    async def lease_runs_out_and_the_other_relay_sends() -> None:
        assert await expire_leases(bot.runtime.sessions) == 1
        assert await deliver_outbox(theirs) == 1

    time.during_sleep = lease_runs_out_and_the_other_relay_sends
    assert await deliver_outbox(mine) == 0
    assert _posted(fake_slack, "msg fenced") == 1
    assert [r.status for r in await outbox(bot)] == [OutboxStatus.SENT]
