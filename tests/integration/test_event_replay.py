"""An event acknowledged to Slack and then lost (the process died before its listener
finished) is replayed once; events processed normally are not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.event_replay import replay_lost_events
from models.deliveries import SlackDelivery, record_delivery
from tests.sla_steps import AGENT, TEAM_ID, reload, settle, timeline, until
from tests.ticket_steps import create_ticket
from workflows.tickets.thread import record_thread_reply


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


async def test_a_listener_held_past_the_replay_threshold_is_not_replayed(bot):
    """Slack takes minutes to answer the card update a first response owes: the reply was
    recorded, and its event processed, when it committed; the replay finds nothing to do."""
    ticket = await create_ticket(bot)
    in_flight, slack_answers = asyncio.Event(), asyncio.Event()

    def slow(_body):
        in_flight.set()
        return slack_answers.wait()
    bot.slack.after_next("chat.update", slow)
    event = bot.slack.add_message(ticket.channel_id, "Looking into it", user=AGENT, thread_ts=ticket.message_ts)
    assert (await bot.sender.event(event)).status == 200
    await asyncio.wait_for(in_flight.wait(), timeout=5)

    bot.clock.advance(timedelta(minutes=3))
    replayed = await _replay(bot)
    slack_answers.set()
    await settle(bot)
    assert replayed == 0
    assert len(await timeline(bot, ticket, "replied")) == 1
    assert len(await timeline(bot, ticket, "first_response")) == 1
    card_updates = [c for c in bot.slack.calls_to("chat.update") if c.args.get("ts") == ticket.message_ts]
    assert len(card_updates) == 1
    [delivery] = await _deliveries(bot)
    assert delivery.processed_at is not None and delivery.replayed_at is None and delivery.body is None


async def test_an_event_and_its_replay_running_at_once_record_the_reply_once(bot):
    """The run a replay was made for may still commit (it was only slow): of the two, one
    records the reply, whichever commits first."""
    ticket = await create_ticket(bot)
    async with bot.runtime.sessions.begin() as db:
        await record_delivery(db, "Ev0TWICE", bot.clock(), body="{}")  # kept, as bot/app.py keeps it
    runs = [record_thread_reply(deps=bot.runtime.deps, team_id=TEAM_ID, channel_id=ticket.channel_id,
                                thread_ts=ticket.message_ts, user_id=AGENT, ts="1700000999.000100",
                                text="Looking into it", event_id="Ev0TWICE") for _ in range(2)]
    recorded = await asyncio.gather(*runs)
    await settle(bot)
    assert sorted(r is None for r in recorded) == [False, True]
    assert len(await timeline(bot, ticket, "replied")) == 1
    [delivery] = await _deliveries(bot)
    assert delivery.processed_at is not None and delivery.body is None
