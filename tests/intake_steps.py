"""Steps for the intake tests (``tests/integration/test_*intake*.py``, ``test_customer_*.py``):
the example policy with ``intake``, ``customers`` and ``plans``, a second in-process
replica on the same database, reactions and messages as Slack sends them (Slack Connect
guests included), and reading tickets back.

Use the fixtures from a test module with ``from tests.intake_steps import *``:

    config          app.yaml plus INTAKE, CUSTOMERS, PLANS (``@pytest.mark.parametrize("config",
                    [{"intake": {...}}], indirect=True)`` changes or adds sections)
    second_bot      another bot (a replica) on the same database and fake Slack
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.runtime import build_runtime
from bot.service import Service
from models.tickets import Ticket, TicketEvent
from tests.conftest import SIGNING_SECRET, RunningBot, make_settings
from tests.fakes.slack_requests import SlackSender, event_callback_body
from tests.policies import example_policy_data
from tests.waiting import drain, until
from workflows.policy.loader import parse_config
from workflows.policy.schema import AppConfig

__all__ = ["config", "second_bot"]

HOME_TEAM = "T0TEST"
GUEST_TEAM = "T0ACMECORP"  # the customer's own Slack workspace (Slack Connect)
ACME = "C0ACMESHARED"  # a Slack Connect channel shared with Acme
GLOBEX = "C0GLOBEX001"
HELP = "C0HELPBILL1"  # an internal request channel: no customer
CUSTOMER = "U0ACMEUSER"
AGENT = "U0AGENT01"  # a tier1 member in app.yaml
INTAKE = {"reaction": "ticket", "customer_channels": "auto", "send_prefix": "!reply"}
CUSTOMERS = [{"name": "Acme", "channels": [ACME], "plan": "enterprise", "category": "Bug report"},
             {"name": "Globex", "channels": [GLOBEX]}]
PLANS = {"enterprise": {"priorities": {"P3": {"first_response": "30m", "next_response": "1h",
                                               "business_hours": False}}}}


@pytest.fixture
def config(request) -> AppConfig:
    """app.yaml plus the intake sections; a parameter (a dict of sections) replaces them."""
    data = example_policy_data()
    data.update(intake=copy.deepcopy(INTAKE), customers=copy.deepcopy(CUSTOMERS), plans=copy.deepcopy(PLANS))
    data.update(copy.deepcopy(getattr(request, "param", None) or {}))
    return parse_config(data)


@pytest.fixture
async def second_bot(database_url, fake_slack, clock, config) -> AsyncIterator[RunningBot]:
    """A second replica: its own process state, the same database and Slack."""
    service = Service(build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config,
                                    clock=clock), host="127.0.0.1", port=0, timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        yield RunningBot(service=service, sender=sender, slack=fake_slack, clock=clock)
    finally:
        await sender.close()
        await service.stop()


def reaction(channel: str, ts: str, *, user: str = AGENT, name: str = "ticket", team: str | None = None) -> dict:
    """A ``reaction_added`` event as Slack sends it (``team``: a Slack Connect guest's)."""
    event = {"type": "reaction_added", "user": user, "reaction": name, "item_user": CUSTOMER,
             "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": ts}
    if team:
        event["user_team"] = team
    return event


def guest_message(bot, channel: str, text: str, *, user: str = CUSTOMER, team: str = GUEST_TEAM,
                  thread_ts: str | None = None) -> dict:
    """A message by a Slack Connect guest, stored in the fake and shaped as Slack's event."""
    return bot.slack.add_message(channel, text, user=user, thread_ts=thread_ts, team=team)


async def send_event(bot, event: dict, *, event_id: str | None = None, envelope_team: str = HOME_TEAM,
                     headers: dict | None = None):
    """Post ``event`` (envelope ``team_id``: ``envelope_team``; the installation is the home team's)."""
    body = event_callback_body(event, event_id=event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                               team_id=envelope_team)
    if envelope_team != HOME_TEAM:  # Slack Connect: the installation is still ours
        data = json.loads(body)
        data["authorizations"][0]["team_id"] = HOME_TEAM
        data["is_ext_shared_channel"] = True
        body = json.dumps(data).encode()
    return await bot.sender.raw(body, {**bot.sender.signed_headers(body, "application/json"), **(headers or {})})


async def tickets(bot) -> list[Ticket]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(Ticket).order_by(Ticket.id))).scalars())


async def ticket_rows(bot, ticket_id: int, kind: str | None = None) -> list[TicketEvent]:
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                 .order_by(TicketEvent.at, TicketEvent.id))).scalars()
        return [r for r in rows if kind is None or r.kind == kind]


async def one_ticket(bot) -> Ticket:
    """Wait until there is a ticket whose card is posted; it must be the only one."""
    async def posted() -> list[Ticket]:
        found = await tickets(bot)
        return found if found and all(t.message_ts for t in found) else []
    found = await until(posted, what="a ticket with its card posted")
    await drain(bot)
    found = await tickets(bot)
    assert len(found) == 1, found
    return found[0]
