"""Steps for the authority-matrix tests (``tests/integration/test_authority*.py``): the
people of app.yaml plus a ``roles`` section, and clicks and commands as one of them.

Use the fixtures from a test module with ``from tests.authority_steps import *``:

    config      app.yaml plus ``ROLES`` (``@pytest.mark.parametrize("config", [None],
                indirect=True)``: no ``roles`` section)
    engineers   (autouse) the Slack user group S0ENGINEERS holds ENGINEER
"""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from workflows.policy.loader import parse_config
from workflows.policy.schema import AppConfig
from workflows.tickets.ids import TicketAction
from models.tickets import Ticket, TicketEvent
from tests.conftest import REPO_ROOT
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.incident_steps import eventually, settle
from tests.ticket_steps import create_ticket

__all__ = ["config", "engineers"]

FRONTLINE = "U0AGENT01"  # a tier1 member in app.yaml
ENGINEER = "U0ENGINEER"  # in the user group S0ENGINEERS, agents of tier3
LEAD = "U0LEAD"  # in the commander pool
ADMIN = "U0ADMIN"
OUTSIDER = "U0OUTSIDER"
ROLES = {"agents": {"tier3": ["S0ENGINEERS"]}, "commanders": [LEAD], "admins": [ADMIN]}
PRIMARY = "U0PRIMARY1"  # on call (oncall.rotation), in no tier


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


async def click(bot, ticket: Ticket, action: TicketAction, user_id: str, name: str = "unused") -> None:
    """Click a card button as ``user_id``; a private answer goes to response_url ``name``."""
    payload = block_actions_payload(str(action), str(ticket.id), user_id=user_id, channel_id=ticket.channel_id,
                                    message=bot.slack.message(ticket.channel_id, ticket.message_ts),
                                    response_url=bot.slack.response_url(name))
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text


async def refused_click(bot, ticket: Ticket, action: TicketAction, user_id: str, name: str) -> dict:
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


async def resolved_ticket(bot) -> Ticket:
    """A ticket an agent (FRONTLINE) resolved through the Resolve modal."""
    ticket = await create_ticket(bot)
    opened = len(bot.slack.calls_to("views.open"))
    await click(bot, ticket, TicketAction.RESOLVE, FRONTLINE)
    await bot.slack.wait_for("views.open", count=opened + 1)
    view = bot.slack.latest_view()
    reply = await bot.sender.interactive(view_submission_payload(
        view, view_state(view, {"Resolution": "Reset the password"}), user_id=FRONTLINE))
    assert reply.status == 200 and not reply.body, reply.body
    return await field_becomes(bot, ticket, "status", lambda v: v == "resolved")


