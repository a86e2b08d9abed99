"""Reaction intake (``intake.reaction: ticket``): the emoji on a message opens exactly one
ticket from it, whatever happens twice (a second reaction, a redelivered event, two
replicas at once); the message's thread names ``#N`` with a link to the card, and the
card links the message. The pin emoji of war rooms keeps working beside it."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.slack_requests import event_callback_body
from tests.intake_steps import *  # noqa: F403 - the config (intake, customers, plans) and second_bot fixtures
from tests.intake_steps import AGENT, GUEST_TEAM, HELP, one_ticket, reaction, send_event, ticket_rows, tickets
from tests.ticket_steps import mrkdwn_texts
from tests.waiting import drain, until

AUTHOR = "U0BILLING1"
TEXT = "Invoice 4512 was charged twice <!channel>\nCard ending 4242, see <https://pay.example/i/4512|the invoice>"


async def test_a_reaction_opens_one_ticket_from_the_message(bot):
    message = bot.slack.add_message(HELP, TEXT, user=AUTHOR)
    assert (await send_event(bot, reaction(HELP, message["ts"]))).status == 200
    ticket = await one_ticket(bot)

    assert ticket.summary == "Invoice 4512 was charged twice @channel"
    assert ticket.description.startswith("Invoice 4512 was charged twice") and "(https://pay.example/i/4512)" in \
        ticket.description
    assert (ticket.reporter_id, ticket.priority, ticket.category) == (AUTHOR, "P3", "Unsorted")
    assert ticket.channel_id == bot.runtime.config.channels.triage and ticket.customer is None
    [created] = await ticket_rows(bot, ticket.id, "created")
    assert created.actor_id == AGENT and created.detail["via"] == "reaction"

    permalink = ticket.source_permalink
    assert permalink and f"/archives/{HELP}/p{message['ts'].replace('.', '')}" in permalink
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    assert f"<{permalink}|Original message>" in " ".join(mrkdwn_texts(card["blocks"]))

    [note] = bot.slack.thread(HELP, message["ts"])
    assert f"#{ticket.number}" in note["text"] and f"<{ticket.permalink}|card>" in note["text"]
    assert "<!channel>" not in note["text"]


async def test_second_reaction_and_redelivery_open_nothing_more(bot):
    message = bot.slack.add_message(HELP, "VPN is down for the Berlin office", user=AUTHOR)
    body = event_callback_body(reaction(HELP, message["ts"]), event_id="Ev0SAMEONE1")
    headers = bot.sender.signed_headers(body, "application/json")
    assert (await bot.sender.raw(body, headers)).status == 200
    ticket = await one_ticket(bot)
    redelivered = await bot.sender.raw(body, {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert redelivered.status == 200 and redelivered.headers.get("x-slack-no-retry") == "1"
    assert (await send_event(bot, reaction(HELP, message["ts"], user="U0SOMEONE2"))).status == 200
    await drain(bot)
    assert [t.id for t in await tickets(bot)] == [ticket.id]
    assert len(bot.slack.thread(HELP, message["ts"])) == 1  # one note naming #N


async def test_two_replicas_racing_open_one_ticket(bot, second_bot):
    message = bot.slack.add_message(HELP, "Exports time out since this morning", user=AUTHOR)
    answers = await asyncio.gather(*(
        send_event(target, reaction(HELP, message["ts"], user=user))
        for target, user in ((bot, AGENT), (second_bot, "U0AGENT02"), (bot, "U0AGENT03"), (second_bot, AGENT))))
    assert all(a.status == 200 for a in answers)
    await drain(second_bot)
    ticket = await one_ticket(bot)
    assert ticket.summary == "Exports time out since this morning"
    assert len(bot.slack.thread(HELP, message["ts"])) == 1
    assert len(await ticket_rows(bot, ticket.id, "created")) == 1


async def test_other_emoji_and_the_bots_own_messages_open_nothing(bot):
    message = bot.slack.add_message(HELP, "Thanks all!", user=AUTHOR)
    assert (await send_event(bot, reaction(HELP, message["ts"], name="tada"))).status == 200
    card = await _card_of_a_ticket(bot)
    assert (await send_event(bot, reaction(card["channel"], card["ts"]))).status == 200
    await drain(bot)
    assert len(await tickets(bot)) == 1  # the one opened to get a card


async def test_a_guest_of_another_team_outside_customer_channels_opens_nothing(bot):
    message = bot.slack.add_message(HELP, "Is anyone there?", user=AUTHOR)
    event = reaction(HELP, message["ts"], user="U0GUEST001", team=GUEST_TEAM)
    assert (await send_event(bot, event, envelope_team=GUEST_TEAM)).status == 200
    await drain(bot)
    assert await tickets(bot) == []


@pytest.mark.parametrize("config", [{"intake": {}}], indirect=True)
async def test_without_intake_reaction_the_emoji_means_nothing(bot):
    message = bot.slack.add_message(HELP, "Printer on fire", user=AUTHOR)
    assert (await send_event(bot, reaction(HELP, message["ts"]))).status == 200
    await drain(bot)
    assert await tickets(bot) == []


async def _card_of_a_ticket(bot) -> dict:
    message = bot.slack.add_message(HELP, "Something to ticket", user=AUTHOR)
    await send_event(bot, reaction(HELP, message["ts"]))
    ticket = await until(lambda: _posted(bot), what="a posted card")
    return {"channel": ticket.channel_id, "ts": ticket.message_ts}


async def _posted(bot):
    found = [t for t in await tickets(bot) if t.message_ts]
    return found[0] if found else None


async def test_the_shortcut_on_a_message_with_a_ticket_opens_no_second_one(bot):
    from tests.fakes.slack import view_state
    from tests.fakes.slack_requests import message_shortcut_payload, view_submission_payload
    from workflows.tickets.ids import TicketBlock, TicketShortcut

    message = bot.slack.add_message(HELP, "Refund for order 77 never arrived", user=AUTHOR)
    payload = message_shortcut_payload(str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id=AGENT,
                                       channel_id=HELP, message=message)
    assert (await bot.sender.interactive(payload)).status == 200
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view()
    assert (await send_event(bot, reaction(HELP, message["ts"]))).status == 200  # meanwhile: the reaction
    ticket = await one_ticket(bot)
    state = view_state(view, {"Category": "Refund request", "Priority": "P2"})
    answer = await bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))
    assert answer.json() == {"response_action": "errors", "errors": {
        str(TicketBlock.SUMMARY): f"This message has its ticket already (#{ticket.number})."}}
    await drain(bot)
    assert [t.id for t in await tickets(bot)] == [ticket.id]
