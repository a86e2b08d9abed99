"""Closing (#19): the resolution DM's Confirm fixed / Still broken, `tickets.close_after`
(exactly once, across replicas and a restart), the reporter's reply reopening a resolved
ticket, and the answer (with a follow-up) in a closed ticket's thread."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.database import make_engine, make_session_factory
from bot.deadline_timer import run_deadline_timers
from tests.lifecycle_steps import (
    AGENT,
    TIER1_CHANNEL,
    card,
    card_text,
    click_card,
    click_dm,
    dm_messages,
    kinds,
    policy,
    resolve,
    rows,
    stored,
    thread_texts,
    wait_for_card,
)
from tests.sla_steps import reply
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until
from workflows.deps import Deps
from workflows.tickets.closing import close_resolved_tickets
from workflows.tickets.ids import TicketAction

RESOLVED = "Good news: #{number} ({summary}) is resolved. What we did: {resolution}"
CLOSING = policy(lambda data: data.update(tickets={"close_after": "7d"}, messages={"resolved": RESOLVED}))
pytestmark = pytest.mark.parametrize("config", [CLOSING])


async def resolved_ticket(bot, summary: str = "Cannot <log> in"):
    await create_ticket(bot, summary)
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    await click_card(bot, ticket, TicketAction.CLAIM, AGENT)
    await resolve(bot, ticket)
    await until(lambda: any("Good news" in m.get("text", "") for m in dm_messages(bot, REPORTER)),
                what="the resolution DM")
    return await stored(bot, 1)


def resolution_dm(bot) -> dict:
    """The resolution DM as it is now (its first text said "Good news"; a click rewrites it)."""
    [call] = [c for c in bot.slack.calls_to("chat.postMessage")
              if c.args.get("channel") == REPORTER and c.ok and "Good news" in c.args.get("text", "")]
    return bot.slack.message(call.response["channel"], call.response["ts"])


async def test_the_resolution_dm_fills_the_template_and_confirm_fixed_closes(bot, clock):
    await resolved_ticket(bot)
    dm = resolution_dm(bot)
    assert dm["text"] == "Good news: #1 (Cannot &lt;log&gt; in) is resolved. What we did: Reset the password"
    assert [e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Confirm fixed", "Still broken"]
    [notified] = await rows(bot, 1, "customer_notified")
    assert notified.detail == {"notice": "resolved", "to": REPORTER}

    clock.advance(timedelta(hours=1))
    await click_dm(bot, dm, TicketAction.CONFIRM_FIXED, REPORTER)
    closed = await stored(bot, 1)
    assert (closed.status, closed.closed_at) == ("closed", clock())
    assert (await kinds(bot, 1))[-1] == "confirmed"
    assert resolution_dm(bot)["text"] == ":white_check_mark: Thanks for confirming: ticket #1 is closed."
    await until(lambda: "Closed (resolved by <@U0AGENT01>)" in card_text(bot, closed))
    assert not [b for b in card(bot, closed)["blocks"] if b["type"] == "actions"]
    assert thread_texts(bot, TIER1_CHANNEL, closed.message_ts)[-1] == \
        "<@U0REPORTER> confirmed the fix: #1 is closed."
    # The Still broken button of the same DM, clicked later, is answered: the ticket is closed.
    await click_dm(bot, dm, TicketAction.STILL_BROKEN, REPORTER)
    assert (await stored(bot, 1)).status == "closed"


async def test_confirm_is_the_reporters_only(bot):
    await resolved_ticket(bot)
    await click_dm(bot, resolution_dm(bot), TicketAction.CONFIRM_FIXED, AGENT)
    assert (await stored(bot, 1)).status == "resolved"
    [refused] = await rows(bot, 1, "refused")
    assert refused.actor_id == AGENT and "Only the person who reported" in refused.detail["reason"]


async def test_still_broken_reopens(bot, clock):
    ticket = await resolved_ticket(bot)
    clock.advance(timedelta(hours=2))
    await click_dm(bot, resolution_dm(bot), TicketAction.STILL_BROKEN, REPORTER)
    row = await stored(bot, 1)
    assert (row.status, row.assignee_id, row.reopen_count, row.resolved_at) == ("in_progress", AGENT, 1, None)
    assert row.resolution_due_at == clock() + timedelta(hours=8)  # a fresh P1 resolution target
    reopened = (await rows(bot, 1))[-1]
    assert (reopened.kind, reopened.actor_id) == ("reopened", REPORTER)
    assert "is reopened and back with the support team" in resolution_dm(bot)["text"]
    await until(lambda: "still broken" in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1])


async def test_auto_close_after_close_after_exactly_once_across_replicas_and_a_restart(bot, clock, database_url):
    ticket = await resolved_ticket(bot)
    deps = bot.runtime.deps
    clock.advance(timedelta(days=7) - timedelta(minutes=1))
    assert await close_resolved_tickets(deps=deps) == 0
    assert (await stored(bot, 1)).status == "resolved"
    clock.advance(timedelta(minutes=2))  # due while "no process was running": the next start closes it
    engine = make_engine(database_url)
    try:
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock,
                     outbox_renderers=deps.outbox_renderers, outbox_steps=deps.outbox_steps)
        closed = await asyncio.gather(*(close_resolved_tickets(deps=d) for d in (other, deps, other, deps)))
        assert sum(closed) == 1
        restarted = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config,
                         clock=deps.clock)
        assert await close_resolved_tickets(deps=restarted) == 0
    finally:
        await engine.dispose()
    await run_deadline_timers(bot.runtime)  # the timer's own sweep: nothing left
    await drain(bot)
    row = await stored(bot, 1)
    assert (row.status, row.closed_at) == ("closed", clock())
    [closing] = await rows(bot, 1, "closed")
    assert closing.actor_id is None and closing.detail["after_seconds"] == 7 * 86400
    notes = [t for t in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts) if "closed automatically" in t]
    assert notes == ["#1 closed automatically: resolved 1w ago, with no word from <@U0REPORTER> since."]


async def test_the_reporters_reply_reopens_a_resolved_ticket_and_restarts_the_close_timer(bot, clock):
    ticket = await resolved_ticket(bot)
    clock.advance(timedelta(days=3))
    await reply(bot, ticket, "It happens again this morning", user=REPORTER)
    row = await stored(bot, 1)
    assert (row.status, row.reopen_count) == ("in_progress", 1)
    reopened = (await rows(bot, 1, "reopened"))[-1]
    assert reopened.actor_id == REPORTER and reopened.detail["by_reply"] is True
    await until(lambda: "replied after the resolution: #1 is reopened" in
                thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1])
    clock.advance(timedelta(days=5))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 0  # open again: nothing to close
    # Someone else's reply in a resolved ticket reopens nothing.
    await resolve(bot, await stored(bot, 1))
    await reply(bot, ticket, "FYI, fixed for me too", user="U0SOMEONE")
    assert (await stored(bot, 1)).status == "resolved"


async def test_a_reply_in_a_closed_thread_is_answered_with_a_follow_up_offer(bot, clock):
    ticket = await resolved_ticket(bot, "Invoices missing")
    await click_dm(bot, resolution_dm(bot), TicketAction.CONFIRM_FIXED, REPORTER)
    clock.advance(timedelta(days=1))
    await reply(bot, ticket, "It is broken again", user=REPORTER)
    assert (await stored(bot, 1)).status == "closed"  # stays closed
    await until(lambda: "is closed, so this reply does not reopen it" in
                thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1])
    answer = bot.slack.thread(TIER1_CHANNEL, ticket.message_ts)[-1]
    [button] = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Open a follow-up ticket"  # its form: tests/integration/test_ticket_follow_up.py


async def test_a_close_long_overdue_is_made_quietly(bot, clock):
    """Resolved before close_after was set, or while no bot ran: the close is recorded,
    but nobody is pinged in a long-quiet thread and the card is not edited."""
    ticket = await resolved_ticket(bot)
    await drain(bot)
    edits = len(bot.slack.calls_to("chat.update"))
    clock.advance(timedelta(days=7) + timedelta(days=1, minutes=1))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 1
    await drain(bot)
    row = await stored(bot, 1)
    assert (row.status, row.closed_at) == ("closed", clock())
    [closing] = await rows(bot, 1, "closed")
    assert closing.detail["quiet"] is True and closing.detail["after_seconds"] == 7 * 86400
    assert not [t for t in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts) if "closed automatically" in t]
    assert len(bot.slack.calls_to("chat.update")) == edits
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 0


async def test_a_close_due_less_than_a_day_ago_is_announced(bot, clock):
    ticket = await resolved_ticket(bot)
    clock.advance(timedelta(days=7) + timedelta(hours=23))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 1
    await drain(bot)
    [closing] = await rows(bot, 1, "closed")
    assert "quiet" not in closing.detail
    await until(lambda: any("closed automatically" in t for t in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)))
