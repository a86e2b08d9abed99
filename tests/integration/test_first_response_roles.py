"""With ``roles`` in app.yaml, only the support desk (agents, on call, admins) answers a
ticket: a reply by anyone else in the card's thread is on the timeline and stops no
clock. Without ``roles``, anyone but the reporter answers, as before."""

from __future__ import annotations

import pytest

from tests.authority_steps import *  # noqa: F403 - the config (with roles) and engineers fixtures
from tests.authority_steps import ADMIN, ENGINEER, FRONTLINE, OUTSIDER, PRIMARY, LEAD
from tests.sla_steps import reload, reply, timeline
from tests.ticket_steps import REPORTER, create_ticket


async def test_a_bystanders_reply_stops_no_clock_and_an_agents_does(bot):
    ticket = await create_ticket(bot)
    await reply(bot, ticket, "Same problem here!", user=OUTSIDER)
    await reply(bot, ticket, "Me too, any news?", user=LEAD)  # a commander, not an agent
    assert (await reload(bot, ticket.id)).first_response_at is None
    assert [e.actor_id for e in await timeline(bot, ticket, "replied")] == [OUTSIDER, LEAD]
    assert await timeline(bot, ticket, "first_response") == []

    await reply(bot, ticket, "Looking into it", user=FRONTLINE)
    stored = await reload(bot, ticket.id)
    assert stored.first_response_at is not None and stored.first_response_by == FRONTLINE
    assert [e.actor_id for e in await timeline(bot, ticket, "first_response")] == [FRONTLINE]


@pytest.mark.parametrize("who", [ENGINEER, PRIMARY, ADMIN], ids=["agent-by-user-group", "on-call", "admin"])
async def test_agents_on_call_and_admins_answer(bot, who):
    ticket = await create_ticket(bot)
    await reply(bot, ticket, "On it", user=who)
    assert (await reload(bot, ticket.id)).first_response_by == who


async def test_a_bystander_does_not_stop_the_next_response_clock(bot):
    ticket = await create_ticket(bot, priority="P1")  # next_response: 2h
    await reply(bot, ticket, "Looking into it", user=FRONTLINE)
    await reply(bot, ticket, "Still broken", user=REPORTER)
    assert (await reload(bot, ticket.id)).next_response_due_at is not None
    await reply(bot, ticket, "+1", user=OUTSIDER)
    assert (await reload(bot, ticket.id)).next_response_due_at is not None
    await reply(bot, ticket, "Deploying a fix", user=FRONTLINE)
    assert (await reload(bot, ticket.id)).next_response_due_at is None


@pytest.mark.parametrize("config", [None], indirect=True)
async def test_without_roles_anyone_but_the_reporter_answers(bot):
    ticket = await create_ticket(bot)
    await reply(bot, ticket, "Me too", user=REPORTER)
    assert (await reload(bot, ticket.id)).first_response_at is None
    await reply(bot, ticket, "Same problem here!", user=OUTSIDER)
    assert (await reload(bot, ticket.id)).first_response_by == OUTSIDER
