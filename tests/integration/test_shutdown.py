"""Stopping the bot: what a listener does after its ack (Bolt runs it on in a task of its
own) finishes before the database engine is disposed, and ``Runtime.drain`` waits for it;
a stopped bot leaves nothing of itself alive."""

from __future__ import annotations

import asyncio
import gc
import weakref

from sqlalchemy import select

from bot.database import make_engine
from bot.runtime import build_runtime
from bot.service import Service
from models.tickets import Ticket
from tests.conftest import SIGNING_SECRET, RunningBot, make_settings
from tests.fakes.slack_requests import SlackSender
from tests.ticket_steps import open_modal, submit

SLOW = 0.5  # seconds Slack takes to answer the card's chat.postMessage


async def _submit_with_a_slow_card(bot) -> None:
    view = await open_modal(bot, "Cannot log in")
    bot.slack.after_next("chat.postMessage", lambda _: asyncio.sleep(SLOW))
    reply = await submit(bot, view, {"Category": "Login problems", "Priority": "P2"})
    assert reply.status == 200 and not reply.body  # acked; the listener is still at work


async def test_drain_waits_for_a_listener_still_at_work_after_its_ack(bot):
    await _submit_with_a_slow_card(bot)
    await bot.runtime.drain()
    assert bot.slack.calls_to("chat.postMessage")  # answered, and the answer recorded:
    async with bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert ticket.message_ts is not None


async def test_stopping_lets_a_listener_finish_before_the_database_closes(database_url, fake_slack, clock, config):
    service = Service(build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config,
                                    clock=clock), host="127.0.0.1", port=0, timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        await _submit_with_a_slow_card(RunningBot(service=service, sender=sender, slack=fake_slack, clock=clock))
    finally:
        await sender.close()
        await service.stop()
    assert [task for task in service.runtime.tasks if not task.done()] == []
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            ts = (await conn.execute(select(Ticket.message_ts))).scalar_one()
    finally:
        await engine.dispose()
    assert ts == fake_slack.calls_to("chat.postMessage")[0].response["ts"]


async def test_a_stopped_bot_leaves_nothing_of_itself_alive(database_url, fake_slack, clock, config):
    """aiohttp's module-level cache of middleware chains kept every stopped bot (runtime,
    engine, Bolt app) alive: the test run's hundreds of them made each full garbage
    collection stop the event loop for seconds, and a test waiting 5 s for a card failed."""
    service = Service(build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config,
                                    clock=clock), host="127.0.0.1", port=0, timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        assert (await sender.url_verification("challenge")).status == 200  # a request through the middlewares
    finally:
        await sender.close()
        await service.stop()
    runtime, bolt_app = weakref.ref(service.runtime), weakref.ref(service.bolt_app)
    del service
    gc.collect()
    assert runtime() is None and bolt_app() is None
