"""The reporter hears of every escalation (by hand or automatic): a DM, owed through the
outbox, that their ticket moved to a specialist team, with the new tier's response target."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.policies import example_policy_data
from tests.sla_steps import fire
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until
from workflows.policy.loader import parse_config

AGENT = "U0AGENT"


@pytest.fixture
def config():
    data = example_policy_data()
    data["escalation"] = {"after": {"P0": "30m"}, "on_breach": {}, "management": {"after": {}}}
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
    data["tiers"][1]["response"] = "30m"
    for priority in data["priorities"].values():
        priority.pop("page_on_open", None)
    return parse_config(data)


def notices(bot) -> list[str]:
    channel = bot.slack.dm_channel(REPORTER)
    return [m["text"] for m in bot.slack.messages(channel) if "has been passed to" in (m.get("text") or "")]


async def test_a_manual_escalation_tells_the_reporter_with_the_tiers_response_target(bot, clock):
    ticket = await create_ticket(bot, "Checkout <fails> & more", category="Payment failed", priority="P2")
    url = bot.slack.response_url("esc")
    await bot.sender.slash("/escalate", f"#{ticket.number} card declined", user_id=AGENT, channel_id="C0TIER1FL",
                           response_url=url)
    await bot.slack.wait_for_response("esc")
    await drain(bot)
    [notice] = await until(lambda: notices(bot), what="the reporter's DM")
    assert f"#{ticket.number}" in notice and "*Technical*" in notice and "specialist team" in notice
    assert "P2 · Medium" in notice and "“Checkout &lt;fails&gt; &amp; more”" in notice
    due = int((clock() + timedelta(minutes=30)).timestamp())
    assert f"within 30m (by <!date^{due}^" in notice


async def test_an_automatic_escalation_tells_the_reporter_too(bot, clock):
    ticket = await create_ticket(bot, "Site down", category="Payment failed", priority="P0")
    clock.advance(timedelta(minutes=30))
    await fire(bot)
    await drain(bot)
    [notice] = await until(lambda: notices(bot), what="the reporter's DM")
    assert f"#{ticket.number}" in notice and "*Technical*" in notice


async def test_a_tier_without_a_response_target_says_they_will_pick_it_up(bot):
    ticket = await create_ticket(bot, "Question", category="General question", priority="P3")
    url = bot.slack.response_url("esc")
    await bot.sender.slash("/escalate", f"#{ticket.number} needs an agent", user_id=AGENT, channel_id="C0TRIAGE01",
                           response_url=url)
    await bot.slack.wait_for_response("esc")
    await drain(bot)
    [notice] = await until(lambda: notices(bot), what="the reporter's DM")
    assert "*Frontline*" in notice and "They will pick it up in the ticket's thread." in notice
