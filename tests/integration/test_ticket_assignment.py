"""Assignment (#19): the card's Assign menu and `/ticket assign #N @user` (the assignee is
told by DM); a tier's automatic assignment, round robin and least open, skipping people
who are away and those at ``max_open``; nobody free tells the tier's channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.lifecycle_steps import (
    AGENT,
    AGENT2,
    TECH,
    TIER1_CHANNEL,
    TIER2_CHANNEL,
    ask,
    card_text,
    click_card,
    dms,
    kinds,
    policy,
    rows,
    stored,
    tier,
)
from tests.ticket_steps import create_ticket
from tests.waiting import until
from workflows.tickets.ids import TicketAction

AGENT3 = "U0AGENT09"


async def new(bot, summary: str = "Cannot log in", **kw):
    """A ticket opened through the form (a minute apart: the per-person limit)."""
    bot.clock.advance(timedelta(minutes=1))
    return await create_ticket(bot, summary, **kw)


async def test_the_assign_menu_gives_the_ticket_to_someone_and_tells_them(bot):
    ticket = await new(bot)
    await click_card(bot, ticket, TicketAction.ASSIGN, AGENT, value=AGENT2, answer="assigned")
    [answer] = await bot.slack.wait_for_response("assigned")
    assert answer["text"] == "Assigned #1 to <@U0AGENT02>." and answer["response_type"] == "ephemeral"
    row = await stored(bot, 1)
    assert (row.assignee_id, row.status) == (AGENT2, "in_progress")
    await until(lambda: "In progress, assigned to <@U0AGENT02>" in card_text(bot, row))
    [dm] = dms(bot, AGENT2)
    assert dm["text"].startswith("<@U0AGENT01> assigned you ticket") and "Cannot log in" in dm["text"]
    [assigned] = await rows(bot, 1, "assigned")
    assert (assigned.actor_id, assigned.detail) == (AGENT, {"assignee": AGENT2})


async def test_the_assign_command_and_a_second_assignment(bot):
    await new(bot)
    assert await ask(bot, "assign #1 <@U0AGENT02|ana>", user_id=AGENT) == "Assigned #1 to <@U0AGENT02>."
    assert await ask(bot, "assign #1 <@U0AGENT02>", user_id=AGENT) == "#1 is already assigned to <@U0AGENT02>."
    assert await ask(bot, f"assign #1 <@{TECH}>", user_id=AGENT2) == f"Assigned #1 to <@{TECH}>."
    assert (await stored(bot, 1)).assignee_id == TECH
    assert len(dms(bot, AGENT2)) == 1 and len(dms(bot, TECH)) == 1
    [first, second] = await rows(bot, 1, "assigned")
    assert second.detail == {"assignee": TECH, "previous_assignee": AGENT2}
    answer = await ask(bot, "assign #1 ana", user_id=AGENT)
    assert "@mention" in answer


async def test_assigning_a_waiting_ticket_keeps_it_waiting(bot):
    await new(bot)
    await ask(bot, "wait #1", user_id=AGENT)
    await ask(bot, "assign #1 <@U0AGENT02>", user_id=AGENT)
    row = await stored(bot, 1)
    assert (row.status, row.assignee_id) == ("waiting", AGENT2)


# -- automatic assignment --------------------------------------------------------------


def _round_robin(data):
    frontline = tier(data, "tier1")
    frontline.update(members=[AGENT, AGENT2, AGENT3], assignment="round_robin")


@pytest.mark.parametrize("config", [policy(_round_robin)])
async def test_round_robin_takes_turns_and_skips_people_who_are_away(bot):
    assert "You are away" in await ask(bot, "away", user_id=AGENT2)
    assert "already away" in await ask(bot, "away", user_id=AGENT2)
    for n in range(1, 4):
        await new(bot, f"Problem {n}")
    assert [(await stored(bot, n)).assignee_id for n in (1, 2, 3)] == [AGENT, AGENT3, AGENT]
    assert "Welcome back" in await ask(bot, "back", user_id=AGENT2)
    await new(bot, "Problem 4")
    await new(bot, "Problem 5")
    assert [(await stored(bot, n)).assignee_id for n in (4, 5)] == [AGENT2, AGENT3]
    first = await stored(bot, 1)
    assert first.status == "in_progress"
    [assigned] = await rows(bot, 1, "assigned")
    assert assigned.actor_id is None and assigned.detail["automatic"] is True
    assert "round robin in Frontline" in assigned.detail["how"]
    assert any("You were assigned ticket" in dm["text"] for dm in dms(bot, AGENT))
    await until(lambda: "In progress, assigned to <@U0AGENT01>" in card_text(bot, first))
    # A category without an assigning tier is left alone.
    await new(bot, "Slow", category="Performance issues")
    assert (await stored(bot, 6)).assignee_id is None


@pytest.mark.parametrize("config", [policy(lambda data: tier(data, "tier1").update(
    members=[AGENT, AGENT2], assignment="least_open", max_open=1))])
async def test_least_open_with_max_open_and_nobody_free(bot):
    await new(bot, "One")
    await new(bot, "Two")
    assert [(await stored(bot, n)).assignee_id for n in (1, 2)] == [AGENT, AGENT2]
    await new(bot, "Three")  # both hold max_open (1) open tickets
    third = await stored(bot, 3)
    assert (third.assignee_id, third.status) == (None, "new")
    assert "unassignable" in await kinds(bot, 3)
    await until(lambda: any("Nobody in Frontline could be given" in m.get("text", "")
                            for m in bot.slack.messages(TIER1_CHANNEL)))
    # Once #1 is resolved its agent is free again, and the next ticket goes to them.
    await ask(bot, "merge #1 #2", user_id=AGENT2)
    await new(bot, "Four")
    assert (await stored(bot, 4)).assignee_id == AGENT


@pytest.mark.parametrize("config", [policy(lambda data: tier(data, "tier2").update(assignment="least_open"))])
async def test_an_escalated_ticket_is_given_to_the_new_tier(bot):
    await new(bot, "Login loop")
    await ask(bot, "assign #1 <@U0AGENT01>", user_id=AGENT)
    reply = await bot.sender.slash("/escalate", "#1 needs an engineer look", user_id=AGENT,
                                   response_url=bot.slack.response_url("escalated"))
    assert reply.status == 200
    await bot.slack.wait_for_response("escalated")
    await until(lambda: any("You were assigned ticket" in dm["text"] for dm in dms(bot, TECH)),
                what="the DM to the Technical agent")
    row = await stored(bot, 1)
    assert (row.tier, row.assignee_id, row.status) == ("tier2", TECH, "in_progress")
    assert row.channel_id == TIER1_CHANNEL  # an escalation asks the tier in; the card stays where it is
    [_, automatic] = await rows(bot, 1, "assigned")
    assert automatic.detail == {"assignee": TECH, "previous_assignee": AGENT, "automatic": True,
                                "how": "fewest open tickets in Technical"}
    assert any("Escalation request" in m.get("text", "") for m in bot.slack.messages(TIER2_CHANNEL))
