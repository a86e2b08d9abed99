"""A tier's `mention`: who the escalation request in its channel calls in — a user group,
a person, whoever is on call now, or everyone in the channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.policies import example_policy_data
from tests.sla_steps import fire
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import drain
from workflows.policy.loader import parse_config

AGENT = "U0AGENT"
PRIMARY = "U0PRIMARY1"  # the example rotation's primary at the FakeClock's start


@pytest.fixture
def config():
    data = example_policy_data()
    data.pop("escalation", None)
    mentions = {"tier1": "U0LEAD0001", "tier2": "S0TIER2GRP", "tier3": "oncall", "tier4": "here"}
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier["mention"] = mentions[tier["id"]]
        tier["page"] = False
    return parse_config(data)


async def escalate(bot, number: int, name: str) -> None:
    url = bot.slack.response_url(name)
    reply = await bot.sender.slash("/escalate", f"#{number} needs more hands", user_id=AGENT,
                                   channel_id="C0TIER2TS", response_url=url)
    assert reply.status == 200
    answer = (await bot.slack.wait_for_response(name))[-1]
    assert answer["text"].startswith("Escalated"), answer
    await drain(bot)


def request_in(bot, channel: str) -> dict:
    [request] = [m for m in bot.slack.messages(channel) if "Escalation request" in (m.get("text") or "")]
    return request


async def test_each_tier_mentions_its_group_the_on_call_person_or_here(bot, config):
    ticket = await create_ticket(bot, "Account taken over", category="Account compromise", priority="P2")
    await escalate(bot, ticket.number, "to-tier3")  # tier2 -> tier3: oncall
    request = request_in(bot, config.tier("tier3").channel)
    assert request["text"].startswith(f"<@{PRIMARY}> Escalation request: ticket #{ticket.number}")
    assert f"<@{PRIMARY}>" in mrkdwn_texts(request["blocks"])[0]

    await escalate(bot, ticket.number, "to-tier4")  # tier3 -> tier4: here
    request = request_in(bot, config.tier("tier4").channel)
    assert request["text"].startswith("<!here> Escalation request")
    assert "<!here>" in mrkdwn_texts(request["blocks"])[0]


async def test_the_request_mentions_the_configured_user_group(bot, config):
    ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    await escalate(bot, ticket.number, "to-tier2")
    request = request_in(bot, config.tier("tier2").channel)
    assert request["text"].startswith("<!subteam^S0TIER2GRP> Escalation request")
    assert "<!subteam^S0TIER2GRP> — Technical, this ticket needs you." in mrkdwn_texts(request["blocks"])


async def test_an_automatic_escalation_mentions_the_tier_too(bot, config, clock):
    await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
    clock.advance(timedelta(hours=1))  # the first response is breached: P1 escalates
    await fire(bot)
    await drain(bot)
    request = request_in(bot, config.tier("tier2").channel)
    assert request["text"].startswith("<!subteam^S0TIER2GRP> Escalation request")
