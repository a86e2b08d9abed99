"""The card's thread is the ticket's conversation: replies join the timeline, and the
first one by someone other than the reporter and the bot records the first response."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from models.sla import SlaNotification
from models.ticket_queries import get_ticket
from models.tickets import Ticket, TicketEvent
from tests.sla_steps import reload, timeline
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until

AGENT = "U0AGENT"
OTHER_AGENT = "U0AGENT2"


async def reply_in_thread(bot, ticket: Ticket, text: str, *, user: str, **kw) -> dict:
    """A person replies in the card's thread; Slack sends the ``message`` event."""
    event = bot.slack.add_message(ticket.channel_id, text, user=user, thread_ts=ticket.message_ts)
    reply = await bot.sender.event(event, **kw)
    assert reply.status == 200
    return event


async def wait_for_replies(bot, ticket: Ticket, count: int) -> list[TicketEvent]:
    async def enough() -> bool:
        return len(await timeline(bot, ticket, "replied")) >= count
    await until(enough, what=f"{count} replied row(s) on ticket #{ticket.number}")
    await drain(bot)
    return await timeline(bot, ticket, "replied")


async def test_first_agent_reply_records_first_response_and_refreshes_the_card(bot, clock):
    ticket = await create_ticket(bot)
    clock.advance(timedelta(minutes=12))
    updates_before = len(bot.slack.calls_to("chat.update"))
    event = await reply_in_thread(bot, ticket, "Looking into it <@U0REPORTER>", user=AGENT)

    [replied] = await wait_for_replies(bot, ticket, 1)
    assert replied.actor_id == AGENT and replied.at == clock()
    assert replied.detail == {"ts": event["ts"], "text": "Looking into it <@U0REPORTER>"}
    stored = await reload(bot, ticket.id)
    assert stored.first_response_at == clock() and stored.first_response_by == AGENT
    [first] = await timeline(bot, ticket, "first_response")
    assert first.actor_id == AGENT and first.at == clock()
    assert first.detail["ts"] == event["ts"] and first.detail["seconds_open"] == 12 * 60

    await bot.slack.wait_for("chat.update", count=updates_before + 1)
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    field = next(f["text"] for b in card["blocks"] if b["type"] == "section"
                 for f in b.get("fields", []) if f["text"].startswith("*First response*"))
    assert f"Answered by <@{AGENT}>" in field
    assert f"<!date^{int(clock().timestamp())}^" in field


async def pending_sla_kinds(bot, ticket_id: int) -> set[str]:
    async with bot.runtime.sessions() as db:
        rows = await db.execute(select(SlaNotification.kind).where(
            SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_(None)))
        return {str(kind) for kind in rows.scalars()}


async def test_first_response_drops_the_pending_first_response_notifications(bot):
    ticket = await create_ticket(bot)
    assert {"first_response_warning", "first_response_breach"} <= await pending_sla_kinds(bot, ticket.id)
    await reply_in_thread(bot, ticket, "any news?", user=REPORTER)
    await wait_for_replies(bot, ticket, 1)
    assert {"first_response_warning", "first_response_breach"} <= await pending_sla_kinds(bot, ticket.id)
    await reply_in_thread(bot, ticket, "on it", user=AGENT)
    await wait_for_replies(bot, ticket, 2)
    pending = await pending_sla_kinds(bot, ticket.id)
    assert not pending & {"first_response_warning", "first_response_breach"}
    assert {"resolution_warning", "resolution_breach"} <= pending


async def test_timeline_time_is_the_clock_not_the_event_ts(bot, clock):
    ticket = await create_ticket(bot)
    event = bot.slack.add_message(ticket.channel_id, "hi", user=AGENT, thread_ts=ticket.message_ts,
                                  ts="1000000000.000100")
    await bot.sender.event(event)
    [replied] = await wait_for_replies(bot, ticket, 1)
    assert replied.at == clock() and replied.detail["ts"] == "1000000000.000100"


async def test_long_replies_are_kept_to_500_characters(bot):
    ticket = await create_ticket(bot)
    await reply_in_thread(bot, ticket, "x" * 2000, user=AGENT)
    [replied] = await wait_for_replies(bot, ticket, 1)
    assert replied.detail["text"] == "x" * 500


async def test_reporters_reply_is_recorded_but_is_not_the_first_response(bot):
    ticket = await create_ticket(bot)
    updates_before = len(bot.slack.calls_to("chat.update"))
    await reply_in_thread(bot, ticket, "any news?", user=REPORTER)
    [replied] = await wait_for_replies(bot, ticket, 1)
    assert replied.actor_id == REPORTER
    stored = await reload(bot, ticket.id)
    assert stored.first_response_at is None and stored.first_response_by is None
    assert await timeline(bot, ticket, "first_response") == []
    assert len(bot.slack.calls_to("chat.update")) == updates_before

    await reply_in_thread(bot, ticket, "on it", user=AGENT)
    await wait_for_replies(bot, ticket, 2)
    assert (await reload(bot, ticket.id)).first_response_by == AGENT


async def test_bot_messages_are_ignored(bot):
    ticket = await create_ticket(bot)
    thread = {"channel": ticket.channel_id, "thread_ts": ticket.message_ts, "channel_type": "channel"}
    own = {"type": "message", "user": "U0BOT", "bot_id": "B0BOT", "text": "noted", "ts": "1700000100.000100",
           **thread}
    other_bot = {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "username": "ci",
                 "text": "build failed", "ts": "1700000100.000200", **thread}
    app_as_user = {"type": "message", "user": "U0INTEGRATION", "bot_id": "B0OTHER", "text": "auto-reply",
                   "ts": "1700000100.000300", **thread}
    for event in (own, other_bot, app_as_user):
        assert (await bot.sender.event(event)).status == 200
    await drain(bot)
    assert await timeline(bot, ticket, "replied") == []
    assert (await reload(bot, ticket.id)).first_response_at is None


async def test_edits_deletions_and_other_subtypes_are_ignored(bot):
    ticket = await create_ticket(bot)
    base = {"type": "message", "channel": ticket.channel_id, "channel_type": "channel"}
    edited = {**base, "subtype": "message_changed", "ts": "1700000200.000100", "hidden": True,
              "message": {"type": "message", "user": AGENT, "text": "edited", "ts": "1700000150.000100",
                          "thread_ts": ticket.message_ts}}
    deleted = {**base, "subtype": "message_deleted", "ts": "1700000200.000200", "hidden": True,
               "deleted_ts": "1700000150.000100", "thread_ts": ticket.message_ts}
    joined = {**base, "subtype": "channel_join", "user": AGENT, "text": "joined", "ts": "1700000200.000300",
              "thread_ts": ticket.message_ts}
    for event in (edited, deleted, joined):
        assert (await bot.sender.event(event)).status == 200
    await drain(bot)
    assert [e.kind for e in await timeline(bot, ticket)] == ["created"]


async def test_thread_broadcast_and_file_share_replies_count(bot):
    ticket = await create_ticket(bot)
    thread = {"type": "message", "channel": ticket.channel_id, "thread_ts": ticket.message_ts,
              "channel_type": "channel"}
    await bot.sender.event({**thread, "subtype": "thread_broadcast", "user": AGENT, "text": "fyi all",
                            "ts": "1700000300.000100"})
    await bot.sender.event({**thread, "subtype": "file_share", "user": REPORTER, "text": "screenshot",
                            "ts": "1700000300.000200", "files": [{"id": "F1"}]})
    replies = await wait_for_replies(bot, ticket, 2)
    assert sorted(e.actor_id for e in replies) == sorted([AGENT, REPORTER])
    assert (await reload(bot, ticket.id)).first_response_by == AGENT


async def test_replies_in_a_private_channel_count(bot):
    ticket = await create_ticket(bot)
    await bot.sender.event({"type": "message", "channel": ticket.channel_id, "thread_ts": ticket.message_ts,
                            "channel_type": "group", "user": AGENT, "text": "here", "ts": "1700000400.000100"})
    await wait_for_replies(bot, ticket, 1)
    assert (await reload(bot, ticket.id)).first_response_by == AGENT


async def test_a_second_agent_reply_does_not_move_the_first_response(bot, clock):
    ticket = await create_ticket(bot)
    await reply_in_thread(bot, ticket, "first", user=AGENT)
    await wait_for_replies(bot, ticket, 1)
    answered_at = clock()
    updates = len(bot.slack.calls_to("chat.update"))
    clock.advance(timedelta(minutes=5))
    await reply_in_thread(bot, ticket, "second", user=OTHER_AGENT)
    await reply_in_thread(bot, ticket, "third", user=AGENT)
    replies = await wait_for_replies(bot, ticket, 3)
    assert {e.actor_id for e in replies} == {AGENT, OTHER_AGENT}
    stored = await reload(bot, ticket.id)
    assert (stored.first_response_at, stored.first_response_by) == (answered_at, AGENT)
    assert len(await timeline(bot, ticket, "first_response")) == 1
    assert len(bot.slack.calls_to("chat.update")) == updates


async def test_messages_outside_ticket_threads_write_nothing(bot):
    ticket = await create_ticket(bot)
    top = bot.slack.add_message(ticket.channel_id, "unrelated chatter", user=AGENT)
    await bot.sender.event(top)
    await bot.sender.event(bot.slack.add_message(ticket.channel_id, "a thread elsewhere", user=AGENT,
                                                 thread_ts=top["ts"]))
    # The card's ts in another channel is not the card.
    await bot.sender.event(bot.slack.add_message("C0GENERAL", "same ts, other channel", user=AGENT,
                                                 thread_ts=ticket.message_ts))
    await drain(bot)
    async with bot.runtime.sessions() as db:
        kinds = (await db.execute(select(TicketEvent.kind))).scalars().all()
    assert kinds == ["created"]
    assert (await reload(bot, ticket.id)).first_response_at is None


async def test_redelivered_event_is_recorded_once(bot):
    ticket = await create_ticket(bot)
    event = bot.slack.add_message(ticket.channel_id, "on it", user=AGENT, thread_ts=ticket.message_ts)
    first = await bot.sender.event(event, event_id="Ev0REDELIVER1")
    await wait_for_replies(bot, ticket, 1)
    again = await bot.sender.event(event, event_id="Ev0REDELIVER1",
                                   headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status == again.status == 200
    assert again.headers.get("x-slack-no-retry") == "1"
    await drain(bot)
    assert len(await timeline(bot, ticket, "replied")) == 1
    assert len(await timeline(bot, ticket, "first_response")) == 1


async def test_two_agents_replying_at_once_record_exactly_one_first_response(bot):
    ticket = await create_ticket(bot)
    events = [bot.slack.add_message(ticket.channel_id, f"answer from {user}", user=user, thread_ts=ticket.message_ts)
              for user in (AGENT, OTHER_AGENT, "U0AGENT3")]
    replies = await asyncio.gather(*(bot.sender.event(e) for e in events))
    assert all(r.status == 200 for r in replies)
    await wait_for_replies(bot, ticket, 3)
    stored = await reload(bot, ticket.id)
    [first] = await timeline(bot, ticket, "first_response")
    assert stored.first_response_by in (AGENT, OTHER_AGENT, "U0AGENT3")
    assert first.actor_id == stored.first_response_by
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    assert f"Answered by <@{stored.first_response_by}>" in str(card["blocks"])


async def test_replies_on_resolved_tickets_are_still_recorded(bot):
    ticket = await create_ticket(bot)
    async with bot.runtime.sessions.begin() as db:
        row = await get_ticket(db, ticket.id)
        row.status = "resolved"
    await reply_in_thread(bot, ticket, "still broken for me", user=REPORTER)
    [replied] = await wait_for_replies(bot, ticket, 1)
    assert replied.actor_id == REPORTER
