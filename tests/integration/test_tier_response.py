"""A tier's `response` target: an escalation into the tier starts a clock that someone
other than the reporter stops by answering in the ticket's thread; warned at the
priority's `warn_at` and breached like the first response, in the thread and in the new
tier's channel, each once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.tickets import TicketEventKind
from tests.policies import example_policy_data
from tests.sla_steps import card_field, fire, reload, reply, thread_texts, timeline
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain
from workflows.policy.loader import parse_config

AGENT = "U0AGENT"


@pytest.fixture
def config():
    data = example_policy_data()
    data.pop("escalation", None)
    responses = {"tier2": "30m", "tier3": "15m"}
    for tier in data["tiers"]:
        tier.pop("mention", None)
        tier.pop("response", None)
        if tier["id"] in responses:
            tier["response"] = responses[tier["id"]]
    return parse_config(data)


async def escalate(bot, number: int, name: str = "esc") -> None:
    url = bot.slack.response_url(name)
    reply_ = await bot.sender.slash("/escalate", f"#{number} needs a specialist", user_id=AGENT,
                                    channel_id="C0TIER1FL", response_url=url)
    assert reply_.status == 200
    answer = (await bot.slack.wait_for_response(name))[-1]
    assert answer["text"].startswith("Escalated"), answer
    await drain(bot)


def channel_texts(bot, channel: str, word: str) -> list[str]:
    return [m["text"] for m in bot.slack.messages(channel)
            if word in (m.get("text") or "") and m.get("thread_ts") in (None, m["ts"])]


async def test_an_escalation_starts_the_tier_clock_warned_then_breached_once_each(bot, config, clock):
    # Wednesday 10:00 New York: a P2 (business hours) escalated from Frontline to Technical.
    ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    escalated_at = clock()
    await escalate(bot, ticket.number)
    stored = await reload(bot, ticket.id)
    assert stored.tier == "tier2" and stored.tier_entered_at == escalated_at
    assert stored.tier_response_due_at == escalated_at + timedelta(minutes=30)
    assert "On track · due in 30m" in card_field(bot, ticket, "Technical response")
    technical = config.tier("tier2").channel

    clock.set(escalated_at + timedelta(minutes=22))
    assert await fire(bot) == 0
    clock.set(escalated_at + timedelta(minutes=22, seconds=30))  # 0.75 of 30m
    assert await fire(bot) == 1
    [warning] = thread_texts(bot, ticket, "SLA warning")
    assert "Technical response due in 8m" in warning and "escalated, and nobody has answered since" in warning
    assert channel_texts(bot, technical, "SLA warning") == [warning]
    assert "At risk" in card_field(bot, ticket, "Technical response")

    clock.set(escalated_at + timedelta(minutes=30))
    assert await fire(bot) == 1
    assert await fire(bot) == 0
    [breach] = thread_texts(bot, ticket, "SLA breached")
    assert "Technical response overdue" in breach and "sent late" not in breach
    assert "Escalated automatically" not in breach and "paged" not in breach  # P2: no escalation, no page
    assert channel_texts(bot, technical, "SLA breached") == [breach]
    assert not channel_texts(bot, config.tier("tier1").channel, "Technical response")
    assert "Breached" in card_field(bot, ticket, "Technical response")
    breaches = await timeline(bot, ticket, TicketEventKind.SLA_BREACH)
    assert [e.detail["notification"] for e in breaches] == ["tier_response_breach"]


async def test_an_answer_from_the_desk_meets_the_target_and_nothing_is_sent(bot, clock):
    ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    await escalate(bot, ticket.number)
    clock.advance(timedelta(minutes=5))
    await reply(bot, ticket, "Still broken for me", user=REPORTER)  # the reporter does not answer for the tier
    assert (await reload(bot, ticket.id)).tier_response_due_at is not None
    clock.advance(timedelta(minutes=5))
    await reply(bot, ticket, "Technical here, looking at your account", user="U0TECH0001")
    assert (await reload(bot, ticket.id)).tier_response_due_at is None
    [met] = await timeline(bot, ticket, TicketEventKind.TIER_RESPONSE)
    assert met.actor_id == "U0TECH0001" and met.detail == {
        "tier": "tier2", "due_at": met.detail["due_at"], "in_time": True}
    clock.advance(timedelta(hours=1))
    await fire(bot)
    assert not thread_texts(bot, ticket, "Technical response")


async def test_each_escalation_restarts_the_clock_for_the_new_tier(bot, clock):
    ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    await escalate(bot, ticket.number, "one")
    clock.advance(timedelta(minutes=10))
    await escalate(bot, ticket.number, "two")  # Technical -> Engineering: 15m now
    stored = await reload(bot, ticket.id)
    assert stored.tier == "tier3" and stored.tier_response_due_at == clock() + timedelta(minutes=15)
    clock.advance(timedelta(minutes=15))
    await fire(bot)
    await fire(bot)
    texts = thread_texts(bot, ticket, "SLA")
    assert len(texts) == 2 and all("Engineering response" in t for t in texts)  # warning + breach, none for Technical


async def test_a_tier_without_a_response_target_starts_no_clock(bot, clock):
    ticket = await create_ticket(bot, "General", category="General question", priority="P2")
    await escalate(bot, ticket.number)  # triage -> Frontline, which has no response target
    stored = await reload(bot, ticket.id)
    assert stored.tier == "tier1" and stored.tier_response_due_at is None
    clock.advance(timedelta(hours=1))
    await fire(bot)
    assert not thread_texts(bot, ticket, "response overdue")
