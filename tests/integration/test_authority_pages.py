"""The page buttons under the authority matrix, through signed requests: Acknowledge and
Resolve are for people on call, agents, admins (and the commander of the incident a page
is about); a click from another Slack workspace than the page's is refused, roles or
not. A refusal answers privately, leaves a ``refused`` row on the timeline of the
page's ticket or incident and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workflows.paging.ids import PageAction
from models.incidents import IncidentEvent
from models.pages import Page, PageStatus
from models.tickets import Ticket
from tests.authority_steps import *  # noqa: F403 - config, engineers
from tests.authority_steps import (
    ADMIN,
    FRONTLINE,
    LEAD,
    OUTSIDER,
    PRIMARY,
    ROLES,
    refused_rows,
)
from tests.fakes.slack_requests import block_actions_payload
from tests.incident_steps import declare, eventually, settle
from tests.ticket_steps import create_ticket
from workflows.paging.pager import page_ticket


async def reload_page(bot, page_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.id == page_id))).scalar_one()


async def page_click(bot, page: Page, action: PageAction, user_id: str, name: str = "unused",
                     team_id: str | None = None) -> None:
    """Click a button on the page's mirror in the on-call channel (from ``team_id``'s Slack)."""
    payload = block_actions_payload(str(action), str(page.id), user_id=user_id, channel_id=page.mirror_channel_id,
                                    message=bot.slack.message(page.mirror_channel_id, page.mirror_ts),
                                    response_url=bot.slack.response_url(name))
    if team_id is not None:
        payload["team"]["id"] = payload["user"]["team_id"] = team_id
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text


async def refused_page_click(bot, page: Page, action: PageAction, user_id: str, name: str,
                             team_id: str | None = None) -> str:
    await page_click(bot, page, action, user_id, name, team_id)
    [response] = await bot.slack.wait_for_response(name)
    assert response["response_type"] == "ephemeral" and response["replace_original"] is False
    await settle(bot)
    return response["text"]


async def paged_ticket(bot) -> tuple[Ticket, Page]:
    ticket = await create_ticket(bot, priority="P1")
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    await settle(bot)
    return ticket, page


async def page_becomes(bot, page: Page, status: PageStatus) -> Page:
    async def done():
        return (await reload_page(bot, page.id)).status == status
    await eventually(done)
    await settle(bot)
    return await reload_page(bot, page.id)


async def test_a_page_is_acknowledged_only_by_people_on_call_agents_or_admins(bot):
    ticket, page = await paged_ticket(bot)
    updates = len(bot.slack.calls_to("chat.update"))
    assert await refused_page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, OUTSIDER, "a1") == \
        ":warning: Only people on call, agents or admins can acknowledge a page."
    stored = await reload_page(bot, page.id)
    assert (stored.status, stored.acknowledged_by, stored.ack_due_at) == (
        PageStatus.TRIGGERED, None, page.ack_due_at)
    assert len(bot.slack.calls_to("chat.update")) == updates
    [row] = await refused_rows(bot)
    assert (row.ticket_id, row.actor_id) == (ticket.id, OUTSIDER)
    assert row.detail == {"action": "acknowledge_page", "page_id": page.id,
                          "reason": "Only people on call, agents or admins can acknowledge a page."}
    await page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, PRIMARY, "a2")  # on call, in no tier
    assert (await page_becomes(bot, page, PageStatus.ACKNOWLEDGED)).acknowledged_by == PRIMARY
    await settle(bot)  # the listener has finished: no refusal can come later
    assert not bot.slack.responses["a2"]


async def test_a_page_is_resolved_only_by_people_on_call_agents_or_admins(bot):
    ticket, page = await paged_ticket(bot)
    assert await refused_page_click(bot, page, PageAction.PAGE_RESOLVE, OUTSIDER, "r1") == \
        ":warning: Only people on call, agents or admins can resolve a page."
    assert (await reload_page(bot, page.id)).status == PageStatus.TRIGGERED
    assert [r.detail["action"] for r in await refused_rows(bot)] == ["resolve_page"]
    await page_click(bot, page, PageAction.PAGE_RESOLVE, FRONTLINE, "r2")  # an agent
    await page_becomes(bot, page, PageStatus.RESOLVED)
    await settle(bot)  # the listener has finished: no refusal can come later
    assert not bot.slack.responses["r2"]


async def test_the_commander_of_an_incident_answers_its_page(bot):
    incident, _ = await declare(bot, "P1 Checkout failing", user=LEAD)  # in the pool, no agent
    async with bot.runtime.sessions() as db:
        [page] = (await db.execute(select(Page).where(Page.subject_kind == "incident",
                                                      Page.subject_id == incident.id))).scalars()
    assert await refused_page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, OUTSIDER, "i1") == \
        ":warning: Only people on call, agents or admins can acknowledge a page."
    [row] = await refused_rows(bot, IncidentEvent)
    assert (row.incident_id, row.actor_id, row.detail["action"]) == (incident.id, OUTSIDER, "acknowledge_page")
    await page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, LEAD)
    assert (await page_becomes(bot, page, PageStatus.ACKNOWLEDGED)).acknowledged_by == LEAD


@pytest.mark.parametrize("config", [None, ROLES], indirect=True, ids=["no roles", "roles"])
async def test_a_click_from_another_workspace_is_refused_roles_or_not(bot):
    ticket, page = await paged_ticket(bot)
    updates = len(bot.slack.calls_to("chat.update"))
    for action, verb, name in ((PageAction.PAGE_ACKNOWLEDGE, "acknowledge", "w1"), (PageAction.PAGE_RESOLVE, "resolve", "w2")):
        assert await refused_page_click(bot, page, action, ADMIN, name, team_id="T0ELSEWHERE") == \
            f":warning: Only people in this page's Slack workspace can {verb} it."
    stored = await reload_page(bot, page.id)
    assert (stored.status, stored.acknowledged_by, stored.resolved_at) == (PageStatus.TRIGGERED, None, None)
    assert len(bot.slack.calls_to("chat.update")) == updates
    rows = await refused_rows(bot)
    assert [(r.ticket_id, r.actor_id, r.detail["action"], r.detail["team_id"]) for r in rows] == [
        (ticket.id, ADMIN, "acknowledge_page", "T0ELSEWHERE"), (ticket.id, ADMIN, "resolve_page", "T0ELSEWHERE")]
    await page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, ADMIN)  # the same person, from the page's workspace
    await page_becomes(bot, page, PageStatus.ACKNOWLEDGED)


@pytest.mark.parametrize("config", [None], indirect=True)
async def test_without_roles_anyone_answers_a_page(bot):
    _, page = await paged_ticket(bot)
    await page_click(bot, page, PageAction.PAGE_ACKNOWLEDGE, OUTSIDER)
    await page_becomes(bot, page, PageStatus.ACKNOWLEDGED)
    await page_click(bot, page, PageAction.PAGE_RESOLVE, OUTSIDER)
    await page_becomes(bot, page, PageStatus.RESOLVED)
    assert await refused_rows(bot) == []
