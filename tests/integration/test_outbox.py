"""The Slack outbox: messages stored with their change, sent in order, once, whatever
Slack answers (429 Retry-After, 5xx, final errors) and across a crash and restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.runtime import build_runtime
from bot.service import Service
from models.outbox import OutboxStatus
from models.tickets import Ticket
from tests.conftest import make_settings
from tests.outbox_steps import deliver_until_done, outbox, owe, texts
from tests.sla_steps import reload
from tests.ticket_steps import REPORTER, create_ticket, open_modal, submit
from tests.waiting import drain, until
from workflows.outbox.enqueue import deliver_outbox, owe_card_update


async def test_429_then_500_then_ok_delivers_each_message_once_in_order_per_channel(bot):
    a, b = "C0TIER1", "C0TIER2"
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=7)
    bot.slack.fail_next("chat.postMessage", status=500)
    bot.slack.fail_next("chat.postMessage", status=503)
    await owe(bot, (a, "msg a1"), (b, "msg b1"), (a, "msg a2"), (b, "msg b2"), (a, "msg a3"))

    await deliver_outbox(bot.runtime.deps)
    rows = await outbox(bot)
    waiting = [r for r in rows if r.status == OutboxStatus.PENDING and r.attempts]
    assert waiting and all(r.not_before > bot.clock() for r in waiting), "failed heads wait, they are not dropped"
    ratelimited = [r for r in rows if r.last_error == "ratelimited"]
    assert ratelimited and ratelimited[0].not_before == ratelimited[0].created_at + timedelta(seconds=7)

    await deliver_until_done(bot)
    assert texts(bot, a) == ["msg a1", "msg a2", "msg a3"]
    assert texts(bot, b) == ["msg b1", "msg b2"]
    rows = await outbox(bot)
    assert all(r.status == OutboxStatus.SENT and r.result_ts for r in rows)
    assert len(bot.slack.calls_to("chat.postMessage")) == 5 + 3  # every message once, plus the 3 refusals


async def test_a_rate_limited_channel_does_not_hold_up_another(bot):
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=30)
    await owe(bot, ("C0TIER1", "msg first"))
    await deliver_outbox(bot.runtime.deps)          # C0TIER1 is now told to wait 30 s
    await owe(bot, ("C0TIER1", "msg behind it"), ("C0TIER2", "msg elsewhere"))
    await deliver_outbox(bot.runtime.deps)
    assert texts(bot, "C0TIER2") == ["msg elsewhere"]
    assert texts(bot, "C0TIER1") == [], "the channel's later message waits behind its first"
    bot.clock.advance(timedelta(seconds=30))
    await deliver_outbox(bot.runtime.deps)
    assert texts(bot, "C0TIER1") == ["msg first", "msg behind it"]


async def test_a_final_error_marks_the_message_failed_and_the_channel_goes_on(bot):
    bot.slack.fail_next("chat.postMessage", error="invalid_blocks")
    await owe(bot, ("C0TIER1", "msg broken"), ("C0TIER1", "msg fine"))
    await deliver_outbox(bot.runtime.deps)
    rows = await outbox(bot)
    assert [(r.status, r.last_error) for r in rows] == [(OutboxStatus.FAILED, "invalid_blocks"),
                                                        (OutboxStatus.SENT, None)]
    assert texts(bot, "C0TIER1") == ["msg fine"]


async def test_slack_down_when_a_ticket_is_opened_its_card_and_thread_come_later(bot, config):
    bot.slack.fail_next("chat.postMessage", status=503, times=1)
    view = await open_modal(bot, "Printer on fire")
    reply = await submit(bot, view, {"Category": "Login problems", "Priority": "P2", "Customer": None,
                                     "Description": None})
    assert reply.status == 200
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.runtime.drain()
    confirmation = bot.slack.ephemerals(user=REPORTER)[-1]["text"]
    assert "#1" in confirmation and "as soon as Slack accepts it" in confirmation
    async with bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert ticket.message_ts is None

    bot.clock.advance(timedelta(seconds=2))
    await deliver_outbox(bot.runtime.deps)
    ticket = await reload(bot, ticket.id)
    tier_channel = config.initial_tier(config.category("Login problems")).channel
    cards = [m for m in bot.slack.messages(tier_channel) if m.get("blocks")]
    assert [c["ts"] for c in cards] == [ticket.message_ts], "the card went out once, and the ticket knows it"
    assert ticket.permalink


async def test_card_updates_owed_while_slack_is_down_collapse_into_one(bot):
    ticket = await create_ticket(bot)
    bot.slack.fail_next("chat.update", status=500)
    async with bot.runtime.sessions.begin() as db:
        await owe_card_update(db, ticket, now=bot.clock())
    await deliver_outbox(bot.runtime.deps)            # refused: the update waits
    updates_before = len(bot.slack.calls_to("chat.update"))
    for _ in range(3):
        async with bot.runtime.sessions.begin() as db:
            await owe_card_update(db, ticket, now=bot.clock())
    bot.clock.advance(timedelta(seconds=5))
    await deliver_outbox(bot.runtime.deps)
    assert len(bot.slack.calls_to("chat.update")) == updates_before + 1


async def test_crash_between_commit_and_send_sends_once_after_restart(bot, database_url, fake_slack, clock, config,
                                                                       monkeypatch):
    """The task is cancelled right after the ticket (and its card) commit; the next
    process start sends the card, once, and records it on the ticket."""
    async def crash(_deps):
        raise asyncio.CancelledError

    monkeypatch.setattr("workflows.tickets.intake.deliver_outbox", crash)
    view = await open_modal(bot, "Saved but not sent")
    await submit(bot, view, {"Category": "Login problems", "Priority": "P2", "Customer": None, "Description": None})

    async def stored() -> bool:
        async with bot.runtime.sessions() as db:
            return (await db.execute(select(Ticket))).scalar_one_or_none() is not None
    await until(stored, what="the ticket row")
    await bot.runtime.drain()
    assert [r.status for r in await outbox(bot)] == [OutboxStatus.PENDING]
    posts_before = len(fake_slack.calls_to("chat.postMessage"))
    monkeypatch.undo()

    settings = make_settings(database_url, fake_slack.api_url)
    restarted = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0)
    await restarted.start()
    try:
        async def card_recorded() -> bool:
            async with restarted.runtime.sessions() as db:
                return (await db.execute(select(Ticket.message_ts))).scalar_one() is not None
        await until(card_recorded, timeout=10, what="the card sent after the restart")
        # A further relay pass (the periodic sweep's, run here instead of waited for) sends nothing again.
        assert await deliver_outbox(restarted.runtime.deps) == 0
        await drain(restarted)
    finally:
        await restarted.stop()
    assert len(fake_slack.calls_to("chat.postMessage")) == posts_before + 1
    assert [r.status for r in await outbox(bot)] == [OutboxStatus.SENT]


async def test_the_ticket_is_stored_before_the_modal_submission_is_acknowledged(bot):
    """Slack closes the modal on our acknowledgement: by then the ticket (and its owed card) are stored."""
    view = await open_modal(bot, "Stored first")
    reply = await submit(bot, view, {"Category": "Login problems", "Priority": "P2", "Customer": None,
                                     "Description": None})
    assert reply.status == 200 and not reply.body
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(Ticket.summary))).scalars().all() == ["Stored first"]
    await bot.runtime.drain()


async def test_a_submission_that_cannot_be_stored_keeps_the_modal_open_with_a_clear_error(bot, monkeypatch):
    async def database_down(**_kwargs):
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr("handlers.views.ticket.store_ticket", database_down)
    view = await open_modal(bot, "Not lost")
    reply = await submit(bot, view, {"Category": "Login problems", "Priority": "P2", "Customer": None,
                                     "Description": None})
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert "could not be saved" in next(iter(reply.json()["errors"].values()))


async def test_two_replicas_relaying_one_database_send_each_message_once_in_order(bot, database_url, fake_slack,
                                                                                  clock, config):
    """Two processes (their own engine and client) and a second relay in this one, all at once."""
    other = build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config, clock=clock)
    lanes = ("C0TIER1", "C0TIER2", "C0TIER3")
    try:
        await owe(bot, *((lanes[n % 3], f"msg {n:02d}") for n in range(18)))
        fake_slack.fail_next("chat.postMessage", status=500, times=2)
        for _ in range(10):
            await asyncio.gather(deliver_outbox(bot.runtime.deps), deliver_outbox(other.deps),
                                 deliver_outbox(bot.runtime.deps))
            if all(r.status == OutboxStatus.SENT for r in await outbox(bot)):
                break
            clock.advance(timedelta(seconds=5))
    finally:
        await other.close()
    for i, lane in enumerate(lanes):
        assert texts(bot, lane) == [f"msg {n:02d}" for n in range(i, 18, 3)]
    assert len(fake_slack.calls_to("chat.postMessage")) == 18 + 2
