"""Next response: once the first response was given, each reply by the reporter starts a
clock (app.yaml ``next_response``: P1 2h) that an answer by anyone else stops; warned
and breached like the first response, and the card says where it stands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.sla_steps import AGENT, card_field, fire, reload, reply, thread_texts
from tests.ticket_steps import REPORTER, create_ticket
from tests.policies import policy_without_matrix


@pytest.fixture
def config():
    """The example policy without its escalation matrix (#18), whose timed escalations,
    tier clocks and pages on open would add to the timelines this file counts."""
    return policy_without_matrix()


def tier_notices(bot, channel: str, word: str) -> list[str]:
    return [m["text"] for m in bot.slack.messages(channel)
            if word in (m.get("text") or "") and m.get("thread_ts") in (None, m["ts"])]


async def test_reporter_reply_starts_the_clock_warned_then_breached_once_each(bot, config, clock):
    ticket = await create_ticket(bot, "Invoices missing", priority="P1")
    tier = config.tier(ticket.tier)
    clock.advance(timedelta(minutes=5))
    await reply(bot, ticket, "Looking", user=AGENT)
    clock.advance(timedelta(minutes=55))
    replied_at = clock()
    await reply(bot, ticket, "Any news?", user=REPORTER)
    stored = await reload(bot, ticket.id)
    assert stored.next_response_due_at == replied_at + timedelta(hours=2)
    assert "On track · due in 2h" in card_field(bot, ticket, "Next response")

    clock.set(replied_at + timedelta(minutes=89))
    assert await fire(bot) == 0
    clock.set(replied_at + timedelta(minutes=90))  # 0.75 of 2h
    assert await fire(bot) == 1
    [warning] = thread_texts(bot, ticket, "SLA warning")
    assert "next response due in 30m" in warning and "the reporter is waiting for an answer" in warning
    assert len(tier_notices(bot, tier.channel, "next response due in 30m")) == 1
    assert "At risk · due in 30m" in card_field(bot, ticket, "Next response")

    clock.set(replied_at + timedelta(hours=2))
    assert await fire(bot) == 1
    assert await fire(bot) == 0
    [breach] = thread_texts(bot, ticket, "SLA breached")
    assert "next response overdue" in breach and "On-call has been paged" in breach  # P1 pages
    assert "sent late" not in breach
    assert len(tier_notices(bot, tier.channel, "next response overdue")) == 1
    assert ":red_circle: Breached · overdue now" in card_field(bot, ticket, "Next response")


async def test_an_agent_answer_in_time_stops_the_clock_and_nothing_is_sent(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    await reply(bot, ticket, "Hello", user=AGENT)
    clock.advance(timedelta(minutes=30))
    await reply(bot, ticket, "Still broken", user=REPORTER)
    clock.advance(timedelta(minutes=20))
    await reply(bot, ticket, "Deploying a fix", user="U0OTHERAGENT")
    assert (await reload(bot, ticket.id)).next_response_due_at is None
    fields = str(bot.slack.message(ticket.channel_id, ticket.message_ts)["blocks"])
    assert "*Next response*" not in fields
    clock.advance(timedelta(hours=3))
    await fire(bot)
    assert not thread_texts(bot, ticket, "next response")


async def test_the_clock_counts_from_the_first_unanswered_reporter_reply(bot, clock):
    ticket = await create_ticket(bot, priority="P0")  # next_response 30m
    await reply(bot, ticket, "On it", user=AGENT)
    clock.advance(timedelta(minutes=10))
    first = clock()
    await reply(bot, ticket, "Hello?", user=REPORTER)
    clock.advance(timedelta(minutes=10))
    await reply(bot, ticket, "Hello??", user=REPORTER)
    assert (await reload(bot, ticket.id)).next_response_due_at == first + timedelta(minutes=30)


async def test_no_next_response_before_the_first_response_nor_without_a_target(bot, clock):
    p1 = await create_ticket(bot, priority="P1")
    await reply(bot, p1, "More details: it fails on login", user=REPORTER)
    assert (await reload(bot, p1.id)).next_response_due_at is None  # the first-response clock runs

    p2 = await create_ticket(bot, "Slow", priority="P2")  # P2 has no next_response in app.yaml
    await reply(bot, p2, "Checking", user=AGENT)
    await reply(bot, p2, "Thanks", user=REPORTER)
    assert (await reload(bot, p2.id)).next_response_due_at is None
