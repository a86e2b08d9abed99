"""The pager with PagerDuty: Events v2 shape, one open page per ticket, Slack's buttons,
durable delivery (retries, crash between store and send, two senders at once)."""

from __future__ import annotations

import dataclasses
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from workflows.paging.ids import PageAction
from models.incidents import Incident, IncidentEvent, IncidentEventKind
from models.pages import Page, PageStatus
from models.tickets import TicketEvent, TicketEventKind
from tests.fakes.slack_requests import block_actions_payload
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, paged_bot, start_bot
from tests.paging_fixtures import pagerduty_settings, start_bot
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import drain, until
from tests.policies import policy_without_matrix
from workflows.paging.actions import resolve_pages_for_incident, resolve_pages_for_ticket
from workflows.paging.delivery import deliver_pending_pages
from workflows.paging.pager import page_incident, page_ticket, record_ticket_page

ONCALL = "C0ONCALL01"
PRIMARY, SECONDARY = "U0PRIMARY1", "U0SECOND01"  # the rotation's shift at the FakeClock's start
AGENT = "U0AGENT01"


@pytest.fixture
def config():
    """The example policy without its escalation matrix (#18), whose timed escalations,
    tier clocks and pages on open would add to the timelines this file counts."""
    return policy_without_matrix()


async def load_page(bot, page_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.id == page_id))).scalar_one()


def buttons(message: dict) -> list[str]:
    return [el["action_id"] for b in message.get("blocks", []) if b["type"] == "actions" for el in b["elements"]]


def text_of(message: dict) -> str:
    return " ".join(mrkdwn_texts(message.get("blocks", [])))


async def click(bot, action: PageAction, page: Page, *, user: str = AGENT, channel: str = ONCALL, ts: str | None = None,
                name: str = "click"):
    message = bot.slack.message(channel, ts or page.mirror_ts)
    payload = block_actions_payload(str(action), str(page.id), user_id=user, channel_id=channel, message=message,
                                    response_url=bot.slack.response_url(name))
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200


async def test_a_page_triggers_pagerduty_and_is_mirrored_in_slack(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, "Checkout <!channel> & fails", category="Payment failed", priority="P1")
    page = await page_ticket(deps=paged_bot.runtime.deps, ticket_id=ticket.id,
                             reason="SLA breach: first response overdue")

    [event] = pagerduty.accepted("trigger")
    assert event["routing_key"] == pagerduty.routing_key
    assert event["dedup_key"] == f"supportbot-ticket-{ticket.number}"
    payload = event["payload"]
    assert payload["severity"] == "error" and payload["source"] == "supportbot"
    assert f"Ticket #{ticket.number}" in payload["summary"] and "SLA breach" in payload["summary"]
    assert payload["timestamp"].startswith("2026-11-25T15:")
    assert payload["custom_details"]["permalink"] == ticket.permalink
    assert payload["custom_details"]["ticket"] == f"#{ticket.number}"
    assert event["links"] == [{"href": ticket.permalink, "text": f"Ticket #{ticket.number} in Slack"}]

    assert page.status == PageStatus.TRIGGERED and page.pagerduty_sent and page.pd_pending_action is None
    mirror = paged_bot.slack.message(ONCALL, page.mirror_ts)
    assert buttons(mirror) == [PageAction.PAGE_ACKNOWLEDGE, PageAction.PAGE_RESOLVE]
    body = text_of(mirror)
    assert f"Ticket #{ticket.number}" in body and "P1 · High" in body and "SLA breach" in body
    assert "&lt;!channel&gt; &amp; fails" in body and "<!channel>" not in body
    assert ticket.permalink in body and f"<@{PRIMARY}>" in body
    assert f"<@{PRIMARY}>" in mirror["text"]  # the on-call person is mentioned
    dm = paged_bot.slack.message(page.dm_channel_id, page.dm_ts)
    assert buttons(dm) == [PageAction.PAGE_ACKNOWLEDGE, PageAction.PAGE_RESOLVE]
    assert paged_bot.slack.channels[page.dm_channel_id]["is_im"]
    async with paged_bot.runtime.sessions() as db:
        kinds = list((await db.execute(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))).scalars())
    assert TicketEventKind.PAGED in kinds


async def test_severity_follows_priority_and_the_summary_fits(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, "Site down", priority="P0")
    await page_ticket(deps=paged_bot.runtime.deps, ticket_id=ticket.id, reason="x" * 3000)
    [event] = pagerduty.accepted("trigger")
    assert event["payload"]["severity"] == "critical"
    assert len(event["payload"]["summary"]) == 1024


async def test_paging_an_open_page_again_updates_its_mirror_instead_of_triggering(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    first = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach: first response overdue")
    updates = len(paged_bot.slack.calls_to("chat.update"))
    second = await page_ticket(deps=deps, ticket_id=ticket.id, reason="Escalated to Engineering: <@U0X> *urgent*")
    assert second.id == first.id and second.mirror_ts == first.mirror_ts
    assert len(pagerduty.accepted()) == 1
    updated = [c for c in paged_bot.slack.calls_to("chat.update")[updates:] if c.args["ts"] == first.mirror_ts]
    assert updated
    body = text_of(paged_bot.slack.message(ONCALL, first.mirror_ts))
    assert "SLA breach" in body and "Escalated to Engineering: &lt;@U0X&gt; *urgent*" in body
    assert len(paged_bot.slack.messages(ONCALL)) == 1


async def test_acknowledge_in_slack_acknowledges_in_pagerduty_once(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, priority="P1")
    page = await page_ticket(deps=paged_bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    await click(paged_bot, PageAction.PAGE_ACKNOWLEDGE, page)
    [ack] = await pagerduty.wait_for(1, "acknowledge")
    assert ack["dedup_key"] == page.dedup_key and ack["routing_key"] == pagerduty.routing_key

    for channel, ts in ((ONCALL, page.mirror_ts), (page.dm_channel_id, page.dm_ts)):
        await until(lambda: "Acknowledged* by <@U0AGENT01>" in text_of(paged_bot.slack.message(channel, ts)),
                    what=f"'Acknowledged by' on the page's message {channel}/{ts}")
    stored = await load_page(paged_bot, page.id)
    assert stored.status == PageStatus.ACKNOWLEDGED and stored.acknowledged_by == AGENT

    await click(paged_bot, PageAction.PAGE_ACKNOWLEDGE, page, user="U0SOMEONE", name="again")
    [answer] = await paged_bot.slack.wait_for_response("again")
    assert answer["response_type"] == "ephemeral" and "already acknowledged by <@U0AGENT01>" in answer["text"]
    await paged_bot.runtime.drain()  # every listener has finished
    assert len(pagerduty.accepted("acknowledge")) == 1
    assert (await load_page(paged_bot, page.id)).acknowledged_by == AGENT


async def test_resolve_button_resolves_in_pagerduty_and_removes_the_buttons(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, priority="P0")
    page = await page_ticket(deps=paged_bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    await click(paged_bot, PageAction.PAGE_RESOLVE, page)
    [resolve] = await pagerduty.wait_for(1, "resolve")
    assert resolve["dedup_key"] == page.dedup_key
    await until(lambda: buttons(paged_bot.slack.message(ONCALL, page.mirror_ts)) == [],
                what="the mirror without its buttons")
    assert "Resolved" in text_of(paged_bot.slack.message(ONCALL, page.mirror_ts))


async def test_a_resolved_ticket_resolves_its_page_and_a_new_page_triggers_again(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    resolved = await resolve_pages_for_ticket(deps=deps, ticket_id=ticket.id)
    assert resolved is not None and resolved.status == PageStatus.RESOLVED
    assert [e["event_action"] for e in pagerduty.accepted()] == ["trigger", "resolve"]
    assert await resolve_pages_for_ticket(deps=deps, ticket_id=ticket.id) is None
    clock.advance(timedelta(hours=1))
    again = await page_ticket(deps=deps, ticket_id=ticket.id, reason="Reopened and breached again")
    assert again.id == page.id and again.status == PageStatus.TRIGGERED and again.mirror_ts != page.mirror_ts
    assert [e["event_action"] for e in pagerduty.accepted()] == ["trigger", "resolve", "trigger"]


async def test_pagerduty_503_three_times_then_202_is_delivered_once(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    pagerduty.fail_next(status=503, times=3)
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")  # attempt 1: 503
    assert page.pd_pending_action == "trigger" and page.pd_attempts == 1 and "503" in page.pd_last_error
    assert await deliver_pending_pages(deps=deps) == 0  # not due yet: backing off
    for attempt in (2, 3):
        clock.advance(timedelta(minutes=10))
        assert await deliver_pending_pages(deps=deps) == 0
        assert (await load_page(paged_bot, page.id)).pd_attempts == attempt
    clock.advance(timedelta(minutes=10))
    assert await deliver_pending_pages(deps=deps) == 1
    clock.advance(timedelta(minutes=10))
    assert await deliver_pending_pages(deps=deps) == 0
    assert [c.status for c in pagerduty.event_calls()] == [503, 503, 503, 202]
    assert len(pagerduty.accepted("trigger", page.dedup_key)) == 1
    stored = await load_page(paged_bot, page.id)
    assert stored.pagerduty_sent and stored.pd_pending_action is None and stored.pd_last_error is None


async def test_rate_limits_are_retried_a_bounded_number_of_times(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    pagerduty.fail_next(status=429, times=5)
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    assert [c.status for c in pagerduty.event_calls()] == [429, 429]  # one quick retry, then back off
    assert page.pd_pending_action == "trigger"
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await deliver_pending_pages(deps=deps)
    assert [c.status for c in pagerduty.event_calls()] == [429] * 5 + [202]


async def test_a_page_stored_but_never_sent_is_sent_once_by_the_sweep(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    async with deps.sessions.begin() as db:  # the process stops right after this commit
        ticket_row = await db.get(type(ticket), ticket.id)
        record = await record_ticket_page(db, ticket_row, deps=deps, now=deps.clock(), reason="SLA breach")
    assert pagerduty.accepted() == []
    results = [await deliver_pending_pages(deps=deps) for _ in range(3)]
    assert sum(results) == 1
    [event] = pagerduty.accepted("trigger")
    assert event["dedup_key"] == f"supportbot-ticket-{ticket.number}"
    assert (await load_page(paged_bot, record.page_id)).pagerduty_sent


async def test_acknowledged_before_the_trigger_got_through_sends_both_in_order(paged_bot, pagerduty, clock):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    pagerduty.fail_next(status=502, times=1)
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    await click(paged_bot, PageAction.PAGE_ACKNOWLEDGE, page)
    async def acknowledged() -> bool:
        return (await load_page(paged_bot, page.id)).status == PageStatus.ACKNOWLEDGED
    await until(acknowledged, what="the page acknowledged")
    await drain(paged_bot)
    assert pagerduty.accepted() == []  # nothing to acknowledge before PagerDuty has the page
    clock.advance(timedelta(minutes=10))
    assert await deliver_pending_pages(deps=deps) == 2
    assert [e["event_action"] for e in pagerduty.accepted()] == ["trigger", "acknowledge"]


async def test_a_page_resolved_before_any_attempt_is_never_sent(paged_bot, pagerduty):
    ticket = await create_ticket(paged_bot, priority="P1")
    deps = paged_bot.runtime.deps
    async with deps.sessions.begin() as db:
        ticket_row = await db.get(type(ticket), ticket.id)
        await record_ticket_page(db, ticket_row, deps=deps, now=deps.clock(), reason="SLA breach")
    await resolve_pages_for_ticket(deps=deps, ticket_id=ticket.id)
    await deliver_pending_pages(deps=deps)
    assert pagerduty.event_calls() == []


async def test_a_refused_page_is_not_retried_and_the_mirror_says_so(database_url, fake_slack, clock, config, pagerduty):
    settings = pagerduty_settings(pagerduty, pagerduty_routing_key="R0WRONGKEY")
    async with start_bot(database_url, fake_slack, clock, config, **settings) as running:
        ticket = await create_ticket(running, priority="P1")
        page = await page_ticket(deps=running.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
        assert [c.status for c in pagerduty.event_calls()] == [400]
        assert "routing_key" in str(pagerduty.event_calls()[0].response["errors"])
        clock.advance(timedelta(hours=1))
        assert await deliver_pending_pages(deps=running.runtime.deps) == 0
        stored = await load_page(running, page.id)
        assert stored.pd_pending_action is None and "400" in stored.pd_last_error
        assert "PagerDuty: refused this page" in text_of(fake_slack.message(ONCALL, page.mirror_ts))
        assert len(pagerduty.event_calls()) == 1


async def test_two_senders_on_one_database_send_each_page_once(paged_bot, pagerduty, database_url):
    deps = paged_bot.runtime.deps
    tickets = [await create_ticket(paged_bot, f"Problem {i}", priority="P1") for i in range(4)]
    async with deps.sessions.begin() as db:  # stored, not yet sent
        for ticket in tickets:
            row = await db.get(type(ticket), ticket.id)
            await record_ticket_page(db, row, deps=deps, now=deps.clock(), reason="SLA breach")
    pagerduty.delay = 0.05  # each send takes a while: the sweeps overlap
    other_engine = make_engine(database_url)  # a second replica: its own engine and pool
    try:
        other = dataclasses.replace(deps, sessions=make_session_factory(other_engine))
        results = await asyncio.gather(*(deliver_pending_pages(deps=d) for d in (deps, other, deps, other)))
    finally:
        await other_engine.dispose()
    assert sum(results) == 4
    assert len(pagerduty.event_calls()) == 4
    keys = sorted(e["dedup_key"] for e in pagerduty.accepted("trigger"))
    assert keys == sorted(f"supportbot-ticket-{t.number}" for t in tickets)


async def test_an_incident_pages_with_its_own_key_and_war_room(paged_bot, pagerduty, clock):
    deps = paged_bot.runtime.deps
    async with deps.sessions.begin() as db:
        incident = Incident(team_id="T0TEST", title="Payments down <!everyone>", priority="P0", commander_id=AGENT,
                            channel_id="C0INCWAR1", channel_name="inc-payments-down", declared_by=AGENT,
                            declared_at=clock())
        db.add(incident)
        await db.flush()
        incident_id = incident.id
    page = await page_incident(deps=deps, incident_id=incident_id, reason="Incident declared (P0)")
    [event] = pagerduty.accepted("trigger")
    assert event["dedup_key"] == f"supportbot-incident-{incident_id}"
    assert event["payload"]["severity"] == "critical" and event["payload"]["custom_details"]["war_room"]
    body = text_of(paged_bot.slack.message(ONCALL, page.mirror_ts))
    assert f"Incident #{incident_id}" in body and "<#C0INCWAR1>" in body and "&lt;!everyone&gt;" in body
    async with deps.sessions() as db:
        kinds = list((await db.execute(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id)))
                     .scalars())
    assert kinds == [IncidentEventKind.PAGED]
    assert (await page_incident(deps=deps, incident_id=incident_id, reason="Still down")).id == page.id
    assert len(pagerduty.accepted()) == 1
    resolved = await resolve_pages_for_incident(deps=deps, incident_id=incident_id)
    assert resolved is not None and resolved.status == PageStatus.RESOLVED
    assert [e["event_action"] for e in pagerduty.accepted()] == ["trigger", "resolve"]
