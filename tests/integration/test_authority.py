"""The authority matrix through signed requests: refused actions answer "Only … can …"
privately, leave a ``refused`` timeline row and change nothing; agents, engineers (via a
Slack user group), commanders and admins act; without ``roles`` everyone may act."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlalchemy import func, select

from bot.config import AppConfig, parse_config
from handlers.ids import Action
from models.incidents import IncidentEvent
from models.tickets import Ticket, TicketEvent
from tests.conftest import REPO_ROOT
from tests.fakes.slack_requests import block_actions_payload
from tests.incident_steps import answer, declare, eventually, load_incident, run_in_war_room, settle
from tests.ticket_steps import create_ticket

FRONTLINE = "U0AGENT01"  # a tier1 member in app.yaml
ENGINEER = "U0ENGINEER"  # in the user group S0ENGINEERS, agents of tier3
LEAD = "U0LEAD"  # in the commander pool
ADMIN = "U0ADMIN"
OUTSIDER = "U0OUTSIDER"
ROLES = {"agents": {"tier3": ["S0ENGINEERS"]}, "commanders": [LEAD], "admins": [ADMIN]}


@pytest.fixture
def config(request) -> AppConfig:
    """app.yaml plus ``roles`` (``@pytest.mark.parametrize("config", [None], indirect=True)``: none)."""
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    roles = getattr(request, "param", ROLES)
    if roles is not None:
        data["roles"] = roles
    return parse_config(data)


@pytest.fixture(autouse=True)
def engineers(fake_slack):
    fake_slack.add_user_group("S0ENGINEERS", [ENGINEER])


async def reload(bot, ticket_id: int) -> Ticket:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).where(Ticket.id == ticket_id))).scalar_one()


async def refused_rows(bot, model=TicketEvent) -> list:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(model).where(model.kind == "refused").order_by(model.id))).scalars())


async def click(bot, ticket: Ticket, action: Action, user_id: str, name: str = "unused") -> None:
    """Click a card button as ``user_id``; a private answer goes to response_url ``name``."""
    payload = block_actions_payload(str(action), str(ticket.id), user_id=user_id, channel_id=ticket.channel_id,
                                    message=bot.slack.message(ticket.channel_id, ticket.message_ts),
                                    response_url=bot.slack.response_url(name))
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text


async def refused_click(bot, ticket: Ticket, action: Action, user_id: str, name: str) -> dict:
    """Click as someone who may not: the one private answer."""
    await click(bot, ticket, action, user_id, name)
    [response] = await bot.slack.wait_for_response(name)
    return response


async def field_becomes(bot, ticket: Ticket, field: str, check) -> Ticket:
    async def done():
        return check(getattr(await reload(bot, ticket.id), field))
    await eventually(done)
    await settle(bot)
    return await reload(bot, ticket.id)


async def slash(bot, command: str, text: str, user_id: str, name: str) -> str:
    reply = await bot.sender.slash(command, text, user_id=user_id, channel_id="C0TIER1FL",
                                   response_url=bot.slack.response_url(name))
    assert reply.status == 200
    [response] = await bot.slack.wait_for_response(name)
    assert response["response_type"] == "ephemeral"
    return response["text"]


async def test_a_refused_claim_answers_privately_records_the_refusal_and_changes_nothing(bot):
    ticket = await create_ticket(bot)
    before = await reload(bot, ticket.id)
    updates, posts = len(bot.slack.calls_to("chat.update")), len(bot.slack.calls_to("chat.postMessage"))
    response = await refused_click(bot, ticket, Action.CLAIM, OUTSIDER, "claim")
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
    await click(bot, ticket, Action.CLAIM, FRONTLINE, "claim")
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == FRONTLINE)
    assert await refused_rows(bot) == [] and not bot.slack.responses["claim"]


async def test_user_groups_resolve_and_are_cached(bot, clock):
    ticket = await create_ticket(bot)
    await click(bot, ticket, Action.CLAIM, ENGINEER)
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == ENGINEER)
    await click(bot, ticket, Action.WAIT_ON_CUSTOMER, ENGINEER)
    await field_becomes(bot, ticket, "waiting_since", lambda v: v is not None)
    lookups = bot.slack.calls_to("usergroups.users.list")
    assert len(lookups) == 1 and lookups[0].args["usergroup"] == "S0ENGINEERS" and lookups[0].ok
    bot.slack.add_user_group("S0ENGINEERS", [])  # left the team; known once the cache expires
    clock.advance(timedelta(minutes=6))
    response = await refused_click(bot, ticket, Action.RESUME, ENGINEER, "c3")
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
    response = await refused_click(bot, ticket, Action.RESOLVE, OUTSIDER, "r")
    assert response["text"] == ":warning: Only agents can resolve tickets."
    assert len(bot.slack.calls_to("views.open")) == opened
    await click(bot, ticket, Action.RESOLVE, FRONTLINE, "r2")
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
    await click(bot, ticket, Action.CLAIM, OUTSIDER)
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
    first = await refused_click(bot, ticket, Action.CLAIM, ENGINEER, "g1")
    second = await refused_click(bot, ticket, Action.CLAIM, ENGINEER, "g2")
    assert first["text"] == second["text"] == ":warning: Only agents can claim tickets."
    [lookup] = bot.slack.calls_to("usergroups.users.list")
    assert lookup.response["error"] == "missing_scope"


async def test_the_people_on_call_count_as_agents(bot, config):
    ticket = await create_ticket(bot)
    on_call = config.oncall.rotation.secondary[0]
    await click(bot, ticket, Action.CLAIM, on_call)
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == on_call)
