"""Who may declare a P0 or P1 incident (it pages on-call and opens a war room the
whole workspace sees): with roles, an agent, someone on call, someone in the
commander pool or an admin; anyone may declare a P2; without roles, anyone may declare
anything. A refused person is told why and nothing is created: no channel, no page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workflows.tickets.ids import TicketAction
from models.pages import Page
from tests.authority_steps import *  # noqa: F403  (config: app.yaml plus roles; engineers)
from tests.authority_steps import ADMIN, ENGINEER, LEAD, OUTSIDER, PRIMARY, refused_rows
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.incident_steps import answer, declare, load_incident, run_in_war_room, slash
from tests.ticket_steps import create_ticket

REFUSED = (":warning: Only agents, people on call, incident commanders or admins can declare a P0 or P1 incident "
           "(it pages on-call). Anyone can declare a P2.")


async def pages(bot) -> int:
    async with bot.runtime.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(Page))).scalar_one())


async def test_with_roles_a_p0_or_p1_needs_an_agent_on_call_a_commander_or_an_admin(bot):
    for priority in ("P0", "P1", "p1"):
        assert await answer(bot, f"declare {priority} Checkout down", user=OUTSIDER) == REFUSED
    assert bot.slack.calls_to("conversations.create") == [] and await pages(bot) == 0

    incident, _ = await declare(bot, "P2 Search is slow", user=OUTSIDER)
    assert incident.priority == "P2" and incident.declared_by == OUTSIDER
    for who, priority in ((ENGINEER, "P1"), (PRIMARY, "P1"), (LEAD, "P0"), (ADMIN, "P0")):
        incident, _ = await declare(bot, f"{priority} Checkout down ({who})", user=who)
        assert (incident.declared_by, incident.priority) == (who, priority)
    assert await pages(bot) == 4


async def test_a_refused_declaration_from_a_ticket_card_is_kept_on_the_ticket_timeline(bot):
    ticket = await create_ticket(bot, "Checkout down for everyone", category="Payment failed", priority="P0")
    paged = await pages(bot)  # the ticket's own page (a P0 pages when opened): no incident page besides
    click = block_actions_payload(str(TicketAction.DECLARE_INCIDENT), str(ticket.id), user_id=OUTSIDER,
                                  channel_id=ticket.channel_id, message_ts=ticket.message_ts,
                                  response_url=bot.slack.response_url("button"))
    assert (await bot.sender.interactive(click)).status == 200
    [reply] = await bot.slack.wait_for_response("button")
    assert reply["text"] == REFUSED
    assert bot.slack.calls_to("conversations.create") == [] and await pages(bot) == paged
    [row] = await refused_rows(bot)
    assert row.actor_id == OUTSIDER and row.detail["action"] == "declare_incident" and row.detail["priority"] == "P0"


async def test_the_declare_form_says_why_under_priority_and_keeps_what_was_typed(bot):
    await slash(bot, "declare", user=OUTSIDER)
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view("incident_declare")
    typed = {"Title": "Login broken", "Description": "All users, all regions", "Commander": OUTSIDER}
    refused = await bot.sender.interactive(view_submission_payload(
        view, view_state(view, {**typed, "Priority": "P0"}), user_id=OUTSIDER))
    assert refused.json() == {"response_action": "errors", "errors": {"incident_priority": REFUSED[len(":warning: "):]}}
    assert bot.slack.calls_to("conversations.create") == []
    reply = await bot.sender.interactive(view_submission_payload(
        view, view_state(view, {**typed, "Priority": "P2"}), user_id=OUTSIDER))
    assert reply.status == 200 and not reply.body
    await bot.slack.wait_for("conversations.create")


async def test_a_commander_who_is_no_agent_cannot_raise_the_incident_to_p0_or_p1(bot):
    incident, _ = await declare(bot, "P2 Search is slow", user=OUTSIDER)  # the declarer commands it
    room = incident.channel_id
    assert await answer(bot, "severity P1", user=OUTSIDER, channel=room) == (
        ":warning: Only agents, people on call, incident commanders or admins can raise an incident to P0 or P1 "
        "(it pages on-call). Anyone can declare a P2.")
    assert (await load_incident(bot, incident.id)).priority == "P2" and await pages(bot) == 0
    await run_in_war_room(bot, incident, "severity P0", user=ADMIN, then="severity_changed")
    assert (await load_incident(bot, incident.id)).priority == "P0"
    await run_in_war_room(bot, incident, "severity P1", user=OUTSIDER, then="severity_changed")  # lowering: the rule as before
    assert (await load_incident(bot, incident.id)).priority == "P1"


@pytest.mark.parametrize("config", [None], indirect=True)
async def test_without_roles_anyone_declares_a_p0(bot):
    incident, _ = await declare(bot, "P0 Everything is down", user=OUTSIDER)
    assert incident.priority == "P0" and await pages(bot) == 1
