"""Private war rooms: `/incident declare --private …` and incidents declared from tickets of
`incidents.private_categories` get a private channel, a detail-free announcement in the
incidents channel, invites as usual, and nothing of theirs cross-posted."""

from __future__ import annotations

import pytest
import yaml

from models.incidents import Incident
from tests.conftest import REPO_ROOT
from tests.fakes.slack_requests import block_actions_payload
from tests.incident_steps import IC, INCIDENTS, ONCALL, PRIMARY, answer, declare, kinds, load_incident, \
    run_in_war_room, settle, text_of
from tests.ticket_steps import create_ticket
from workflows.incidents.commands import parse_incident_command
from workflows.policy.loader import parse_config
from workflows.tickets.ids import TicketAction

SECRET = "Account takeover of the CFO"


@pytest.fixture
def config():
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["private_categories"] = ["Account compromise"]
    return parse_config(data)


def everything_in(bot, channel: str) -> str:
    return " ".join(text_of(m) for m in bot.slack.messages(channel))


def invited(bot) -> set[str]:
    return {u for c in bot.slack.calls_to("conversations.invite") for u in c.args["users"].split(",")}


def test_the_flag_is_read_before_or_after_the_priority():
    for text in (f"declare --private P1 {SECRET}", f"declare P1 --private {SECRET}", f"declare --PRIVATE P1 {SECRET}"):
        command = parse_incident_command(text)
        assert (command.private, command.priority, command.text) == (True, "P1", SECRET)
    assert not parse_incident_command(f"declare P1 {SECRET}").private


async def test_declare_private_makes_a_private_room_and_a_detail_free_announcement(bot):
    incident, confirmation = await declare(bot, f"--private P1 {SECRET}")
    await settle(bot)
    assert incident.private and "private war room" in confirmation
    [create] = bot.slack.calls_to("conversations.create")
    assert create.args["is_private"] in (True, "true", "1")
    assert bot.slack.channels[incident.channel_id]["is_private"]
    assert {IC, PRIMARY} <= invited(bot)

    [announcement] = bot.slack.messages(INCIDENTS)
    assert announcement["text"] == f":lock: A private incident was declared (#{incident.id}); commander <@{IC}>."
    assert "takeover" not in everything_in(bot, INCIDENTS).lower()
    assert "takeover" not in everything_in(bot, ONCALL).lower()  # the page's mirror too
    assert SECRET in text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))

    await run_in_war_room(bot, incident, "update Reset the CFO's sessions", then="update_posted")
    await run_in_war_room(bot, incident, "resolve Sessions revoked", then="resolved")
    assert len(bot.slack.messages(INCIDENTS)) == 1  # no cross-posts
    text = everything_in(bot, INCIDENTS)
    assert "sessions" not in text.lower() and "revoked" not in text.lower()
    assert bot.slack.messages(INCIDENTS)[0]["text"] == \
        f":lock: A private incident (#{incident.id}) was resolved; commander <@{IC}>."


async def test_a_ticket_of_a_private_category_declares_a_private_incident(bot):
    ticket = await create_ticket(bot, SECRET, category="Account compromise", priority="P1")
    click = block_actions_payload(str(TicketAction.DECLARE_INCIDENT), str(ticket.id), user_id=IC,
                                  channel_id=ticket.channel_id, message_ts=ticket.message_ts,
                                  response_url=bot.slack.response_url("button"))
    assert (await bot.sender.interactive(click)).status == 200
    await bot.slack.wait_for_response("button")
    await settle(bot)
    incident: Incident = await load_incident(bot)
    assert incident.private and incident.ticket_id == ticket.id
    assert bot.slack.channels[incident.channel_id]["is_private"]
    assert "takeover" not in everything_in(bot, INCIDENTS).lower()
    assert ticket.reporter_id in invited(bot)


async def test_other_categories_stay_public(bot):
    incident, _ = await declare(bot, "P2 Search is slow")
    await settle(bot)
    assert not incident.private and not bot.slack.channels[incident.channel_id]["is_private"]
    assert "Search is slow" in everything_in(bot, INCIDENTS)


def test_private_categories_must_exist():
    from workflows.policy.problems import ConfigError
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["private_categories"] = ["Account compromise", "Fraud"]
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    [problem] = info.value.problems
    assert problem.startswith("incidents.private_categories[1]: unknown category 'Fraud' (categories: Login problems")


async def test_a_private_incidents_follow_through_by_number_only_for_the_people_it_concerns(bot):
    incident, _ = await declare(bot, f"--private P1 {SECRET}")
    await settle(bot)
    owner, stranger = "U0OWNER01", "U0STRANGER"
    await run_in_war_room(bot, incident, f"action <@{owner}> 2026-12-01 Rotate the CFO's keys", then="action_added")
    refused = await answer(bot, f"actions #{incident.id}", user=stranger)
    assert f"Incident #{incident.id} is private: its follow-through is for its commander" in refused
    assert "Rotate" not in refused
    assert f"Incident #{incident.id} is private" in await answer(bot, f"action done #{incident.id} 1", user=stranger)
    assert "Rotate the CFO's keys" in await answer(bot, f"actions #{incident.id}", user=owner)  # an item's owner
    assert "Rotate the CFO's keys" in await answer(bot, f"actions #{incident.id}")  # the commander
    done = await answer(bot, f"action done #{incident.id} 1", user=owner, channel=bot.slack.dm_channel(owner))
    assert done.startswith(f":white_check_mark: Action item 1 of incident #{incident.id} is done")
    assert (await kinds(bot, incident.id)).count("action_done") == 1
