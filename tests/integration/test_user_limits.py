"""Per-person limits (app.yaml ``limits``), as a person meets them over signed requests:
the eleventh ticket in a minute (the default limit is 10) is refused politely with the
time to wait, a form over the limit stays open with what was typed, two replicas share
one count in the database, and the fourth incident in a minute (default 3) is refused
before a war room is made. Time is the fake clock's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import func, select

from workflows.policy.loader import parse_config
from workflows.policy.schema import AppConfig
from models.incidents import Incident
from models.tickets import Ticket
from tests.conftest import REPO_ROOT
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.incident_steps import IC, answer, declare, slash
from tests.kb_steps import start_bot, stop_bot
from tests.ticket_steps import REPORTER, create_ticket, open_modal, submit

OTHER = "U0SOMEONE"
FORM = {"Category": "Bug report", "Priority": "P3", "Description": "Paper everywhere", "Customer": "Initech"}


@pytest.fixture
def config(request) -> AppConfig:
    """app.yaml, plus ``limits`` when the test asks (``@pytest.mark.parametrize("config", [...], indirect=True)``)."""
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    if getattr(request, "param", None) is not None:
        data["limits"] = request.param
    return parse_config(data)


async def count(bot, model) -> int:
    async with bot.runtime.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


def ticket_limit(seconds: int) -> str:
    return (f"One person can open up to 10 tickets a minute, and you have reached that. "
            f"You can open the next one in {seconds} seconds.")


async def test_the_eleventh_ticket_in_a_minute_waits_and_the_form_keeps_what_was_typed(bot, clock):
    early_form = await open_modal(bot, "Printer jam")  # opened before the limit was reached
    others_form = await open_modal(bot, "Someone else's problem")
    for number in range(10):
        await create_ticket(bot, f"Ticket {number}")
        clock.advance(timedelta(seconds=1))  # the 10th at +9s; now +10s: the 1st leaves the minute at +60s

    refused = await submit(bot, early_form, FORM)
    assert refused.json() == {"response_action": "errors", "errors": {"summary": (
        ticket_limit(50) + " This form stays open as you filled it in: submit it again then.")}}
    assert await count(bot, Ticket) == 10

    opened = len(bot.slack.calls_to("views.open"))
    await bot.sender.slash("/ticket", "Scanner jam", user_id=REPORTER, response_url=bot.slack.response_url("late"))
    [late] = await bot.slack.wait_for_response("late")
    assert late["response_type"] == "ephemeral" and late["text"] == f":warning: {ticket_limit(50)}"
    assert len(bot.slack.calls_to("views.open")) == opened  # no form to fill in for nothing

    other = await submit(bot, others_form, FORM, user_id=OTHER)
    assert other.status == 200 and not other.body  # the limit is per person

    clock.advance(timedelta(seconds=49))
    assert "in 1 second." in (await submit(bot, early_form, FORM)).json()["errors"]["summary"]
    clock.advance(timedelta(seconds=1))
    accepted = await submit(bot, early_form, FORM)
    assert accepted.status == 200 and not accepted.body, accepted.body
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket).where(Ticket.summary == "Printer jam"))).scalar_one()
    assert (ticket.number, ticket.description, ticket.customer) == (12, "Paper everywhere", "Initech")  # no gap


@pytest.mark.parametrize("config", [{"tickets_per_minute": 3}], indirect=True)
async def test_replicas_share_one_count_and_let_one_of_two_racing_forms_through(bot, database_url, fake_slack,
                                                                                   clock, config):
    replica = await start_bot(database_url, fake_slack, clock, config)
    try:
        fourth = await open_modal(bot, "Fourth")
        await create_ticket(bot, "First")
        await create_ticket(replica, "Second")
        forms = [await open_modal(bot, "Third, via A"), await open_modal(replica, "Third, via B")]
        replies = await asyncio.gather(submit(bot, forms[0], FORM), submit(replica, forms[1], FORM))
        assert sorted(bool(r.body) for r in replies) == [False, True]  # one ticket, one "wait" answer
        assert "up to 3 tickets a minute" in next(r for r in replies if r.body).json()["errors"]["summary"]
        await bot.runtime.drain()
        await replica.runtime.drain()
        assert await count(bot, Ticket) == 3
        again = await submit(replica, fourth, FORM)
        assert "up to 3 tickets a minute" in again.json()["errors"]["summary"]
    finally:
        await stop_bot(replica)


@pytest.mark.parametrize("config", [{"tickets_per_minute": "off"}], indirect=True)
async def test_limits_can_be_turned_off(bot):
    for number in range(12):
        await create_ticket(bot, f"Ticket {number}")
    assert await count(bot, Ticket) == 12


async def test_the_fourth_incident_in_a_minute_is_refused_before_a_war_room_is_made(bot, clock):
    for number in range(3):
        await declare(bot, f"P2 Search is slow ({number})")
    refusal = ("One person can declare up to 3 incidents a minute, and you have reached that. "
               "You can declare the next one in 60 seconds.")
    assert await answer(bot, "declare P2 Search is slow again") == f":warning: {refusal}"
    assert len(bot.slack.calls_to("conversations.create")) == 3 and await count(bot, Incident) == 3

    await slash(bot, "declare", user=IC)
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view("incident_declare")
    typed = {"Title": "Login broken", "Priority": "P2", "Description": "All users", "Commander": IC}
    refused = await bot.sender.interactive(view_submission_payload(view, view_state(view, typed), user_id=IC))
    assert refused.json() == {"response_action": "errors", "errors": {
        "incident_title": f"{refusal} This form stays open as you filled it in."}}

    clock.advance(timedelta(seconds=60))
    incident, _ = await declare(bot, "P2 Search is slow again")
    assert await count(bot, Incident) == 4 and incident.title == "Search is slow again"
