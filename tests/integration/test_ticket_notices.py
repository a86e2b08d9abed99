"""Keeping the customer informed (#19): the `messages` templates sent to the reporter by DM
(acknowledgement, escalated, resolved; each can be off), the watchers of a merged ticket,
and the `tickets.update_every` reminder of a quiet thread, once per quiet period."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.lifecycle_steps import (
    AGENT,
    TIER1_CHANNEL,
    ask,
    click_card,
    dm_messages,
    dms,
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
from workflows.tickets.ids import TicketAction
from workflows.tickets.reminders import remind_quiet_tickets

ACK = ("Thanks for reporting this. Ticket #{number} ({summary}) is logged as {priority} for {tier}; "
       "someone answers by {first_response_due}.")
ESCALATED = "An update on #{number}: I've escalated it to our {tier} team."
RESOLVED = "#{number} is resolved: {resolution}"
ALL = policy(lambda data: data.update(messages={"acknowledgement": ACK, "escalated": ESCALATED, "resolved": RESOLVED}))


@pytest.mark.parametrize("config", [ALL])
async def test_each_notice_fills_its_template(bot):
    ticket = await create_ticket(bot, "Card <declined>", category="Payment failed", priority="P1")
    await until(lambda: dms(bot, REPORTER), what="the acknowledgement DM")
    [ack] = dms(bot, REPORTER)
    assert ack["text"].startswith("Thanks for reporting this. Ticket #1 (Card &lt;declined&gt;) is logged as "
                                  "P1 · High for Frontline; someone answers by <!date^")
    assert str(int(ticket.first_response_due_at.timestamp())) in ack["text"]

    reply_ = await bot.sender.slash("/escalate", "#1 the bank needs an engineer", user_id=AGENT,
                                    response_url=bot.slack.response_url("esc"))
    assert reply_.status == 200
    await bot.slack.wait_for_response("esc")
    await until(lambda: len(dms(bot, REPORTER)) == 2, what="the escalation DM")
    assert dms(bot, REPORTER)[1]["text"] == "An update on #1: I've escalated it to our Technical team."

    await resolve(bot, await wait_for_card(bot, 1, TIER1_CHANNEL), resolution="Retried <the> charge")
    await until(lambda: any(m["text"] == "#1 is resolved: Retried &lt;the&gt; charge" for m in dms(bot, REPORTER)),
                what="the resolution DM")
    assert [r.detail["notice"] for r in await rows(bot, 1, "customer_notified")] == [
        "acknowledgement", "escalated", "resolved"]


@pytest.mark.parametrize("config", [policy(lambda data: data.update(
    messages={"acknowledgement": "off", "resolved": RESOLVED}))])
async def test_a_notice_can_be_turned_off(bot):
    await create_ticket(bot, "Cannot log in")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    await drain(bot)
    assert dms(bot, REPORTER) == []  # no acknowledgement
    await resolve(bot, ticket)
    await until(lambda: dms(bot, REPORTER), what="the resolution DM")
    assert [m["text"] for m in dms(bot, REPORTER)][0] == "#1 is resolved: Reset the password"


@pytest.mark.parametrize("config", [policy(lambda data: data.pop("messages", None))])
async def test_without_messages_nothing_new_is_sent(bot):
    """With the section left out, only the survey reaches the reporter, as before #19."""
    await create_ticket(bot, "Cannot log in")
    await resolve(bot, await wait_for_card(bot, 1, TIER1_CHANNEL))
    await until(lambda: dms(bot, REPORTER))
    await drain(bot)
    assert [m["text"] for m in dms(bot, REPORTER)] == ["How did we do on #1 (Cannot log in)? Rate us from 1 to 5."]


@pytest.mark.parametrize("config", [ALL])
async def test_a_merged_tickets_reporter_hears_the_resolution_and_gets_their_survey(bot):
    await create_ticket(bot, "Checkout broken")
    bot.clock.advance(timedelta(minutes=1))
    await create_ticket(bot, "Cannot pay")
    async with bot.runtime.sessions.begin() as db:
        target = await db.get(type(await stored(bot, 2)), (await stored(bot, 2)).id)
        target.reporter_id = "U0REPORTER2"
    await ask(bot, "merge #1 #2", user_id=AGENT)
    before = len(dms(bot, REPORTER))
    await resolve(bot, await wait_for_card(bot, 2, TIER1_CHANNEL), resolution="Payments restored")
    await until(lambda: len(dms(bot, REPORTER)) >= before + 2, what="the watcher's DMs")
    resolution, survey = dm_messages(bot, REPORTER)[before:before + 2]
    assert resolution["text"] == "#2 is resolved: Payments restored"
    buttons = [e["value"] for b in survey["blocks"] if b["type"] == "actions" for e in b["elements"]]
    first = await stored(bot, 1)
    assert buttons and all(value.startswith(f"{first.id}:") for value in buttons)  # the survey of their #1
    watched = [r for r in await rows(bot, 2, "customer_notified") if r.detail.get("watcher")]
    assert [r.detail["to"] for r in watched] == [REPORTER]


# -- tickets.update_every -----------------------------------------------------------------

QUIET = policy(lambda data: data.update(tickets={"update_every": "24h"}))


@pytest.mark.parametrize("config", [QUIET])
async def test_a_quiet_thread_is_reminded_once_per_quiet_period(bot, clock):
    await create_ticket(bot, "Exports fail")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    deps = bot.runtime.deps
    clock.advance(timedelta(hours=23))
    await reply(bot, ticket, "Any news?", user=REPORTER)  # the reporter writing does not count
    assert await remind_quiet_tickets(deps=deps) == 0
    clock.advance(timedelta(hours=1, minutes=1))
    results = await asyncio.gather(*(remind_quiet_tickets(deps=deps) for _ in range(3)))
    assert sum(results) == 1
    assert await remind_quiet_tickets(deps=deps) == 0
    await drain(bot)
    await until(lambda: ":hourglass:" in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1])
    assert "Nobody holds this ticket" in thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1]
    assert any("nobody holds it" in m.get("text", "") for m in bot.slack.messages(TIER1_CHANNEL))
    [first] = await rows(bot, 1, "update_reminder")
    assert first.detail["quiet_since"] == ticket.created_at.isoformat()

    clock.advance(timedelta(days=3))
    assert await remind_quiet_tickets(deps=deps) == 0  # still the same quiet period
    await click_card(bot, ticket, TicketAction.CLAIM, AGENT)
    await reply(bot, ticket, "Looking into it", user=AGENT)  # a new quiet period starts
    clock.advance(timedelta(hours=24, minutes=1))
    assert await remind_quiet_tickets(deps=deps) == 1
    await drain(bot)
    assert thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1].startswith(
        ":hourglass: <@U0AGENT01>: nobody has written to <@U0REPORTER>")

    # Waiting on the customer: the desk owes no update.
    await ask(bot, "wait #1", user_id=AGENT)
    await reply(bot, ticket, "We need your logs", user=AGENT)
    clock.advance(timedelta(days=2))
    assert await remind_quiet_tickets(deps=deps) == 0
    assert len(await rows(bot, 1, "update_reminder")) == 2
