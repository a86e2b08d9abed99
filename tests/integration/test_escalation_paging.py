"""Paging from the escalation matrix: a priority with ``page_on_open`` pages as soon as a
ticket is opened, and every escalation into a tier with ``page: true`` pages, whether it
was asked for with `/escalate`, the escalate form or the card, or made by the bot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.pages import Page
from models.tickets import TicketEvent, TicketEventKind
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, paged_bot
from tests.paging_fixtures import pagerduty_settings, start_bot
from tests.policies import example_policy_data
from tests.sla_steps import fire
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import drain, until
from workflows.policy.loader import parse_config

AGENT = "U0AGENT"
ONCALL = "C0ONCALL01"


@pytest.fixture
def config():
    data = example_policy_data()
    data.pop("escalation", None)
    data["priorities"]["P0"]["page_on_open"] = True
    data["priorities"]["P1"]["page_on_open"] = False
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
    return parse_config(data)


async def pages(bot) -> list[Page]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(Page).order_by(Page.id))).scalars())


async def paged_reasons(bot, ticket) -> list[str]:
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.PAGED))).scalars()
        return [row.detail["reason"] for row in rows]


async def test_a_p0_pages_on_call_as_soon_as_it_is_opened_and_a_breach_updates_that_page(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, "Site down", category="Login problems", priority="P0")
    [trigger] = await pagerduty.wait_for(1, "trigger")
    assert trigger["dedup_key"] == f"supportbot-ticket-{ticket.number}"
    assert trigger["payload"]["severity"] == "critical" and "opened" in trigger["payload"]["summary"]
    [page] = await pages(paged_bot)
    await until(lambda: paged_bot.slack.messages(ONCALL), what="the page's mirror in the on-call channel")
    assert await paged_reasons(paged_bot, ticket) == ["P0 ticket opened (page on open)"]

    clock.advance(timedelta(minutes=15))  # the first response is breached: the same page, updated
    await fire(paged_bot)
    await drain(paged_bot)
    assert len(pagerduty.accepted("trigger")) == 1
    assert [p.id for p in await pages(paged_bot)] == [page.id]
    assert len(paged_bot.slack.messages(ONCALL)) == 1
    mirror = paged_bot.slack.messages(ONCALL)[0]
    body = " ".join(mrkdwn_texts(mirror["blocks"]))
    assert "opened (page on open)" in body and "SLA breach" in body


async def test_a_p1_without_page_on_open_pages_nobody_when_opened(paged_bot, pagerduty):
    await create_ticket(paged_bot, "Slow", category="Login problems", priority="P1")
    await drain(paged_bot)
    assert not pagerduty.accepted() and not await pages(paged_bot)
    assert not paged_bot.slack.messages(ONCALL)


async def escalate(bot, text: str, name: str = "esc") -> dict:
    url = bot.slack.response_url(name)
    reply = await bot.sender.slash("/escalate", text, user_id=AGENT, channel_id="C0TIER2TS", response_url=url)
    assert reply.status == 200
    return (await bot.slack.wait_for_response(name))[-1]


async def test_a_p2_escalated_by_command_into_a_paging_tier_pages(paged_bot, pagerduty, config):
    ticket = await create_ticket(paged_bot, "Reports time out", category="Performance issues", priority="P2")
    assert not config.priority("P2").page and config.tier("tier3").page
    answer = await escalate(paged_bot, f"#{ticket.number} needs engineering")
    assert answer["text"].startswith(f"Escalated #{ticket.number} to *Engineering*")
    [trigger] = await pagerduty.wait_for(1, "trigger")
    assert trigger["dedup_key"] == f"supportbot-ticket-{ticket.number}"
    assert "escalated to Engineering: needs engineering" in trigger["payload"]["summary"]
    assert await paged_reasons(paged_bot, ticket) == ["escalated to Engineering: needs engineering"]
    await until(lambda: paged_bot.slack.messages(ONCALL), what="the page's mirror")


async def test_escalating_into_a_tier_that_does_not_page_pages_nobody(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, "Cannot log in", category="Login problems", priority="P2")
    await escalate(paged_bot, f"#{ticket.number} password reset did not help")  # tier1 -> tier2
    await drain(paged_bot)
    assert not pagerduty.accepted() and not await pages(paged_bot)


async def test_the_escalate_form_and_the_card_button_page_too(paged_bot, pagerduty):
    first = await create_ticket(paged_bot, "Reports time out", category="Performance issues", priority="P3")
    opened = len(paged_bot.slack.calls_to("views.open"))
    await paged_bot.sender.slash("/escalate", "", user_id=AGENT)
    await paged_bot.slack.wait_for("views.open", count=opened + 1)
    view = paged_bot.slack.latest_view()
    state = view_state(view, {"Ticket number": f"#{first.number}", "Reason": "from the form"})
    reply = await paged_bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))
    assert reply.status == 200 and not reply.body
    await pagerduty.wait_for(1, "trigger")

    second = await create_ticket(paged_bot, "Exports time out", category="Performance issues", priority="P3")
    opened = len(paged_bot.slack.calls_to("views.open"))
    card = paged_bot.slack.message(second.channel_id, second.message_ts)
    click = block_actions_payload("ticket_escalate", f"{second.id}:{second.number}", user_id=AGENT,
                                  channel_id=second.channel_id, message_ts=second.message_ts, message=card)
    assert (await paged_bot.sender.interactive(click)).status == 200
    await paged_bot.slack.wait_for("views.open", count=opened + 1)
    view = paged_bot.slack.latest_view()
    reply = await paged_bot.sender.interactive(
        view_submission_payload(view, view_state(view, {"Reason": "from the card"}), user_id=AGENT))
    assert reply.status == 200
    triggers = await pagerduty.wait_for(2, "trigger")
    assert {t["dedup_key"] for t in triggers} == {f"supportbot-ticket-{first.number}",
                                                  f"supportbot-ticket-{second.number}"}
    assert any("from the card" in t["payload"]["summary"] for t in triggers)


async def test_an_automatic_escalation_into_a_paging_tier_pages_a_priority_that_does_not(
        database_url, fake_slack, clock, pagerduty):
    data = example_policy_data()
    data["escalation"] = {"on_breach": {"P2": ["first_response"]}}
    async with start_bot(database_url, fake_slack, clock, parse_config(data),
                         **pagerduty_settings(pagerduty)) as bot:
        ticket = await create_ticket(bot, "Reports time out", category="Performance issues", priority="P2")
        clock.advance(timedelta(hours=4))  # P2 first response: 4 working hours (Wednesday 10:00 -> 14:00)
        await fire(bot)
        [trigger] = await pagerduty.wait_for(1, "trigger")
        assert trigger["dedup_key"] == f"supportbot-ticket-{ticket.number}"
        assert "escalated to Engineering" in trigger["payload"]["summary"]
