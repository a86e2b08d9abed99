"""An event acknowledged to Slack and then lost (the process died before its listener
finished) is replayed once; events processed normally are not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.event_replay import replay_lost_events
from models.deliveries import SlackDelivery
from tests.sla_steps import AGENT, reload, settle, until
from tests.ticket_steps import create_ticket


async def _replay(bot) -> int:
    return await replay_lost_events(bot.runtime, bot.service.bolt_app)


async def _deliveries(bot) -> list[SlackDelivery]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(SlackDelivery))).scalars())


async def test_a_reply_lost_after_the_acknowledgement_is_replayed_once(bot, monkeypatch):
    ticket = await create_ticket(bot)

    async def dies(**_kwargs):
        raise asyncio.CancelledError  # the process stops between Slack's 200 and the database

    monkeypatch.setattr("handlers.events.messages.record_thread_reply", dies)
    event = bot.slack.add_message(ticket.channel_id, "Looking into it", user=AGENT, thread_ts=ticket.message_ts)
    assert (await bot.sender.event(event)).status == 200
    await settle(bot)
    monkeypatch.undo()
    assert (await reload(bot, ticket.id)).first_response_at is None
    [kept] = await _deliveries(bot)
    assert kept.body and kept.processed_at is None

    assert await _replay(bot) == 0, "not before it can be called lost"
    bot.clock.advance(timedelta(minutes=3))
    assert await _replay(bot) == 1

    async def answered() -> bool:
        return (await reload(bot, ticket.id)).first_response_at is not None
    await until(answered, what="the replayed first response")
    await settle(bot)
    [done] = await _deliveries(bot)
    assert done.processed_at is not None and done.body is None
    bot.clock.advance(timedelta(minutes=3))
    assert await _replay(bot) == 0


async def test_an_event_processed_normally_is_not_kept_nor_replayed(bot):
    ticket = await create_ticket(bot)
    event = bot.slack.add_message(ticket.channel_id, "On it", user=AGENT, thread_ts=ticket.message_ts)
    assert (await bot.sender.event(event)).status == 200

    async def processed() -> bool:
        return all(d.processed_at is not None for d in await _deliveries(bot))
    await until(processed, what="the event marked processed")
    assert [d.body for d in await _deliveries(bot)] == [None]
    bot.clock.advance(timedelta(minutes=3))
    assert await _replay(bot) == 0
