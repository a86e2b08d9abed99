"""The authority matrix through signed requests: refused actions answer "Only … can …"
privately, leave a ``refused`` timeline row and change nothing; agents, engineers (via a
Slack user group), commanders and admins act; without ``roles`` everyone may act.
Tickets (reopening too) and incident commands here; the page buttons in
``test_authority_pages.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from workflows.tickets.ids import TicketAction
from models.incidents import IncidentEvent
from models.tickets import Ticket, TicketEvent
from tests.authority_steps import *  # noqa: F403 - config, engineers
from tests.authority_steps import (
    ADMIN,
    ENGINEER,
    FRONTLINE,
    LEAD,
    OUTSIDER,
    click,
    field_becomes,
    refused_click,
    refused_rows,
    reload,
    resolved_ticket,
    slash,
)
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.incident_steps import answer, declare, load_incident, run_in_war_room, settle
from tests.ticket_steps import REPORTER, create_ticket


async def test_a_refused_claim_answers_privately_records_the_refusal_and_changes_nothing(bot):
    ticket = await create_ticket(bot)
    before = await reload(bot, ticket.id)
    updates, posts = len(bot.slack.calls_to("chat.update")), len(bot.slack.calls_to("chat.postMessage"))
    response = await refused_click(bot, ticket, TicketAction.CLAIM, OUTSIDER, "claim")
    await settle(bot)
    assert response["text"] == ":warning: Only agents can claim tickets."
    assert response["response_type"] == "ephemeral" and response["replace_original"] is False
    after = await reload(bot, ticket.id)
    assert after.assignee_id is None and after.updated_at == before.updated_at
    assert len(bot.slack.calls_to("chat.update")) == updates
    assert len(bot.slack.calls_to("chat.postMessage")) == posts
    [row] = await refused_rows(bot)
    assert (row.ticket_id, row.actor_id, row.at) == (ticket.id, OUTSIDER, bot.clock())
    assert row.detail == {"action": "claim_ticket", "reason": "Only agents can claim tickets."}


async def test_an_agent_claims(bot):
    ticket = await create_ticket(bot)
    await click(bot, ticket, TicketAction.CLAIM, FRONTLINE, "claim")
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == FRONTLINE)
    await settle(bot)  # the listener has finished: no refusal can come later
    assert await refused_rows(bot) == [] and not bot.slack.responses["claim"]


async def test_user_groups_resolve_and_are_cached(bot, clock):
    ticket = await create_ticket(bot)
    await click(bot, ticket, TicketAction.CLAIM, ENGINEER)
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == ENGINEER)
    await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER, ENGINEER)
    await field_becomes(bot, ticket, "waiting_since", lambda v: v is not None)
    lookups = bot.slack.calls_to("usergroups.users.list")
    assert len(lookups) == 1 and lookups[0].args["usergroup"] == "S0ENGINEERS" and lookups[0].ok
    bot.slack.add_user_group("S0ENGINEERS", [])  # left the team; known once the cache expires
    clock.advance(timedelta(minutes=6))
    response = await refused_click(bot, ticket, TicketAction.RESUME, ENGINEER, "c3")
    assert response["text"] == ":warning: Only agents can resume a ticket that waits on the customer."
    assert len(bot.slack.calls_to("usergroups.users.list")) == 2


async def test_ticket_commands_are_refused_to_non_agents(bot):
    ticket = await create_ticket(bot, priority="P2")
    assert await slash(bot, "/ticket", f"wait #{ticket.number}", OUTSIDER, "w") == \
        ":warning: Only agents can set a ticket to waiting on the customer."
    assert await slash(bot, "/ticket", f"priority #{ticket.number} P0", OUTSIDER, "p") == \
        ":warning: Only agents can change a ticket's priority."
    assert await slash(bot, "/escalate", f"#{ticket.number} please", OUTSIDER, "e") == \
        ":warning: Only agents can escalate tickets."
    after = await reload(bot, ticket.id)
    assert (after.priority, after.waiting_since, after.tier, after.escalation_count) == ("P2", None, ticket.tier, 0)
    assert [r.detail["action"] for r in await refused_rows(bot)] == [
        "wait_on_customer", "change_priority", "escalate_ticket"]


async def test_resolving_needs_an_agent_from_the_button_on(bot):
    ticket = await create_ticket(bot)
    opened = len(bot.slack.calls_to("views.open"))
    response = await refused_click(bot, ticket, TicketAction.RESOLVE, OUTSIDER, "r")
    assert response["text"] == ":warning: Only agents can resolve tickets."
    assert len(bot.slack.calls_to("views.open")) == opened
    await click(bot, ticket, TicketAction.RESOLVE, FRONTLINE, "r2")
    await bot.slack.wait_for("views.open", count=opened + 1)
    assert not bot.slack.responses["r2"]


async def test_escalation_to_executive_needs_engineering_or_an_admin(bot):
    ticket = await create_ticket(bot, category="Account compromise", priority="P1")  # tier2 -> tier3 -> tier4
    assert (await slash(bot, "/escalate", f"#{ticket.number} needs engineers", FRONTLINE, "e1")).startswith(
        f"Escalated #{ticket.number} to *Engineering*")
    refused = await slash(bot, "/escalate", f"#{ticket.number} tell the CTO", FRONTLINE, "e2")
    assert refused == ":warning: Only Engineering agents or admins can escalate to Executive."
    assert (await reload(bot, ticket.id)).tier == "tier3"
    [row] = await refused_rows(bot)
    assert row.detail == {"action": "escalate_ticket", "reason": refused.removeprefix(":warning: "),
                          "to_tier": "tier4"}
    assert (await slash(bot, "/escalate", f"#{ticket.number} tell the CTO", ENGINEER, "e3")).startswith(
        f"Escalated #{ticket.number} to *Executive*")


async def test_an_admin_escalates_to_executive(bot):
    ticket = await create_ticket(bot, category="Account compromise", priority="P2")
    await slash(bot, "/escalate", f"#{ticket.number} step one", ADMIN, "a1")
    assert (await slash(bot, "/escalate", f"#{ticket.number} step two", ADMIN, "a2")).startswith("Escalated")
    assert (await reload(bot, ticket.id)).tier == "tier4"


async def test_only_the_commander_or_an_admin_resolves_or_hands_over(bot):
    incident, _ = await declare(bot, "P2 Search is slow", user=FRONTLINE)  # anyone declares; they command
    room = incident.channel_id
    assert await answer(bot, "resolve all good", user=OUTSIDER, channel=room) == \
        ":warning: Only the incident commander or an admin can resolve an incident."
    assert await answer(bot, f"commander <@{OUTSIDER}>", user=OUTSIDER, channel=room) == \
        ":warning: Only the incident commander or an admin can hand over command."
    assert await answer(bot, f"commander <@{ENGINEER}>", user=FRONTLINE, channel=room) == (
        f":warning: Only people in the incident commander pool can take command; <@{ENGINEER}> is not in it.")
    unchanged = await load_incident(bot, incident.id)
    assert (unchanged.status, unchanged.commander_id) == ("open", FRONTLINE)
    rows = await refused_rows(bot, IncidentEvent)
    assert [(r.actor_id, r.detail["action"]) for r in rows] == [
        (OUTSIDER, "resolve_incident"), (OUTSIDER, "hand_over_command"), (FRONTLINE, "hand_over_command")]
    assert rows[-1].detail["new_commander"] == ENGINEER
    await run_in_war_room(bot, incident, f"commander <@{LEAD}>", user=FRONTLINE, then="commander_changed")
    assert (await load_incident(bot, incident.id)).commander_id == LEAD
    await run_in_war_room(bot, incident, "resolve fixed by the admin", user=ADMIN, then="resolved")
    assert (await load_incident(bot, incident.id)).status == "resolved"



@pytest.mark.parametrize("config", [None], indirect=True)
async def test_without_roles_everyone_may_do_everything(bot):
    ticket = await create_ticket(bot, category="Account compromise", priority="P2")
    await click(bot, ticket, TicketAction.CLAIM, OUTSIDER)
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == OUTSIDER)
    for step in ("e1", "e2"):
        assert (await slash(bot, "/escalate", f"#{ticket.number} up", OUTSIDER, step)).startswith("Escalated")
    assert (await reload(bot, ticket.id)).tier == "tier4"
    assert await refused_rows(bot) == []
    assert bot.slack.calls_to("usergroups.users.list") == []
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(func.count()).select_from(TicketEvent))).scalar_one() > 0


async def test_a_group_slack_will_not_show_grants_nothing_and_is_not_asked_on_every_click(bot, fake_slack):
    fake_slack.scopes.remove("usergroups:read")
    ticket = await create_ticket(bot)
    first = await refused_click(bot, ticket, TicketAction.CLAIM, ENGINEER, "g1")
    second = await refused_click(bot, ticket, TicketAction.CLAIM, ENGINEER, "g2")
    assert first["text"] == second["text"] == ":warning: Only agents can claim tickets."
    [lookup] = bot.slack.calls_to("usergroups.users.list")
    assert lookup.response["error"] == "missing_scope"


async def test_the_people_on_call_count_as_agents(bot, config):
    ticket = await create_ticket(bot)
    on_call = config.oncall.rotation.secondary[0]
    await click(bot, ticket, TicketAction.CLAIM, on_call)
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == on_call)


# -- reopening a ticket ---------------------------------------------------------------


async def test_only_the_reporter_agents_or_admins_reopen(bot):
    ticket = await resolved_ticket(bot)
    refused = ":warning: Only the ticket's reporter, agents or admins can reopen a ticket."
    assert (await refused_click(bot, ticket, TicketAction.REOPEN, OUTSIDER, "o1"))["text"] == refused
    assert await slash(bot, "/ticket", f"reopen #{ticket.number}", OUTSIDER, "o2") == refused
    await settle(bot)
    after = await reload(bot, ticket.id)
    assert (after.status, after.reopen_count, after.resolved_by) == ("resolved", 0, FRONTLINE)
    assert [(r.actor_id, r.detail) for r in await refused_rows(bot)] == [
        (OUTSIDER, {"action": "reopen_ticket", "reason": refused.removeprefix(":warning: ")})] * 2
    await click(bot, ticket, TicketAction.REOPEN, REPORTER)  # the reporter: it is not fixed
    await field_becomes(bot, ticket, "reopen_count", lambda v: v == 1)
    ticket = await resolved_again(bot, ticket)
    await slash(bot, "/ticket", f"reopen #{ticket.number}", ENGINEER, "o3")  # an agent
    assert (await reload(bot, ticket.id)).reopen_count == 2


async def resolved_again(bot, ticket: Ticket) -> Ticket:
    opened = len(bot.slack.calls_to("views.open"))
    await click(bot, await reload(bot, ticket.id), TicketAction.RESOLVE, ADMIN)
    await bot.slack.wait_for("views.open", count=opened + 1)
    view = bot.slack.latest_view()
    reply = await bot.sender.interactive(view_submission_payload(
        view, view_state(view, {"Resolution": "Again"}), user_id=ADMIN))
    assert reply.status == 200 and not reply.body, reply.body
    return await field_becomes(bot, ticket, "status", lambda v: v == "resolved")


# -- incident commands ----------------------------------------------------------------


async def test_the_commander_or_an_admin_changes_severity_and_names_the_comms_lead(bot):
    incident, _ = await declare(bot, "P2 Search is slow", user=FRONTLINE)
    room = incident.channel_id
    assert await answer(bot, "severity P1", user=ENGINEER, channel=room) == \
        ":warning: Only the incident commander or an admin can change the severity."
    assert await answer(bot, f"role comms <@{OUTSIDER}>", user=OUTSIDER, channel=room) == \
        ":warning: Only the incident commander or an admin can assign incident roles."
    unchanged = await load_incident(bot, incident.id)
    assert (unchanged.priority, unchanged.comms_id) == ("P2", None)
    assert [(r.actor_id, r.detail["action"]) for r in await refused_rows(bot, IncidentEvent)] == [
        (ENGINEER, "change_severity"), (OUTSIDER, "assign_incident_role")]
    await run_in_war_room(bot, incident, f"role comms <@{OUTSIDER}>", user=FRONTLINE, then="role_assigned")
    await run_in_war_room(bot, incident, "severity P1", user=ADMIN, then="severity_changed")
    changed = await load_incident(bot, incident.id)
    assert (changed.priority, changed.comms_id) == ("P1", OUTSIDER)


async def test_the_commander_or_the_comms_lead_posts_updates(bot):
    incident, _ = await declare(bot, "P2 Search is slow", user=FRONTLINE)
    room = incident.channel_id
    before = await load_incident(bot, incident.id)
    assert await answer(bot, "update Rolled back", user=OUTSIDER, channel=room) == (
        ":warning: Only the incident commander, the comms lead or an admin can post the incident's status update.")
    assert await answer(bot, "external Status page updated", user=ENGINEER, channel=room) == (
        ":warning: Only the incident commander, the comms lead or an admin can record a customer update.")
    after = await load_incident(bot, incident.id)
    assert (after.last_update_at, after.next_update_due_at, after.last_external_update_at) == (
        before.last_update_at, before.next_update_due_at, before.last_external_update_at)
    assert [r.detail["action"] for r in await refused_rows(bot, IncidentEvent)] == [
        "post_incident_update", "post_external_update"]
    await run_in_war_room(bot, incident, "update Rolled back", user=FRONTLINE, then="update_posted")
    await run_in_war_room(bot, incident, f"role comms <@{OUTSIDER}>", user=FRONTLINE, then="role_assigned")
    await run_in_war_room(bot, incident, "update Error rate falling", user=OUTSIDER, then="update_posted")
    await run_in_war_room(bot, incident, "external Status page updated", user=OUTSIDER,
                          then="external_update_posted")


async def test_anyone_reposts_the_post_mortem_draft(bot):
    incident, _ = await declare(bot, "P2 Search is slow", user=FRONTLINE)
    await run_in_war_room(bot, incident, "resolve fixed", user=FRONTLINE, then="postmortem_posted")
    await run_in_war_room(bot, incident, "postmortem", user=OUTSIDER, then="postmortem_posted", count=2)
    assert await refused_rows(bot, IncidentEvent) == []


@pytest.mark.parametrize("config", [None], indirect=True)
async def test_without_roles_anyone_reopens_and_runs_the_war_room(bot):
    ticket = await resolved_ticket(bot)
    await click(bot, ticket, TicketAction.REOPEN, OUTSIDER)
    await field_becomes(bot, ticket, "reopen_count", lambda v: v == 1)
    incident, _ = await declare(bot, "P2 Search is slow", user=FRONTLINE)
    await run_in_war_room(bot, incident, "severity P1", user=OUTSIDER, then="severity_changed")
    await run_in_war_room(bot, incident, "update Looking", user=OUTSIDER, then="update_posted")
    await run_in_war_room(bot, incident, f"role comms <@{ENGINEER}>", user=OUTSIDER, then="role_assigned")
    assert await refused_rows(bot) == [] and await refused_rows(bot, IncidentEvent) == []
