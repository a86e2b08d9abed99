"""Customer channels (``customers:``): a customer's new message in their channel opens a
ticket for that customer (``ask``: after *Open a ticket*), and the message's thread is
the ticket's conversation, mirrored into the card's thread; what agents say in the card's
thread stays internal unless sent (``!reply``, *Send to customer*), once. Slack Connect
guests are heard in customer channels only. On SQLite and Postgres."""

from __future__ import annotations

import pytest

from tests.fakes.slack_requests import block_actions_payload, event_callback_body, message_shortcut_payload
from tests.intake_steps import *  # noqa: F403 - the config (intake, customers, plans) and second_bot fixtures
from tests.intake_steps import (
    ACME, AGENT, CUSTOMER, GLOBEX, GUEST_TEAM, HELP, HOME_TEAM, guest_message, one_ticket, reaction, send_event,
    ticket_rows, tickets,
)
from tests.sla_steps import click, reload, thread_texts
from tests.ticket_steps import mrkdwn_texts
from tests.waiting import drain, until
from workflows.intake.ids import IntakeAction
from workflows.tickets.ids import TicketAction, TicketShortcut

ASK = {"intake": {"reaction": "ticket", "customer_channels": "ask", "send_prefix": "!reply"}}


def customer_thread(bot, ticket) -> list[dict]:
    return bot.slack.thread(ticket.source_channel_id, ticket.source_ts)


def bot_posts_in(bot, channel: str) -> list[str]:
    """Everything the bot posted in ``channel`` (top level and threads), as shown."""
    return [" ".join([m.get("text") or "", *mrkdwn_texts(m.get("blocks") or [])]) for m in bot.slack.messages(channel)]


async def say_in_customer_thread(bot, ticket, text: str, *, user: str = CUSTOMER, team: str | None = GUEST_TEAM):
    rows = len(await ticket_rows(bot, ticket.id, "replied"))
    event = (guest_message(bot, ticket.source_channel_id, text, user=user, team=team, thread_ts=ticket.source_ts)
             if team else bot.slack.add_message(ticket.source_channel_id, text, user=user,
                                                thread_ts=ticket.source_ts))
    assert (await send_event(bot, event, envelope_team=GUEST_TEAM)).status == 200
    await until(lambda: _more(bot, ticket, rows), what="the customer thread message on the timeline")
    await drain(bot)
    return event


async def say_in_card_thread(bot, ticket, text: str, *, user: str = AGENT, event_id: str | None = None):
    rows = len(await ticket_rows(bot, ticket.id, "replied"))
    event = bot.slack.add_message(ticket.channel_id, text, user=user, thread_ts=ticket.message_ts)
    assert (await send_event(bot, event, event_id=event_id)).status == 200
    await until(lambda: _more(bot, ticket, rows), what="the card thread reply on the timeline")
    await drain(bot)
    return event


async def _more(bot, ticket, rows: int) -> bool:
    return len(await ticket_rows(bot, ticket.id, "replied")) > rows


async def customer_ticket(bot, text: str = "Our exports fail with error 500 <!here>\nSince 9:00 UTC"):
    message = guest_message(bot, ACME, text)
    assert (await send_event(bot, message, envelope_team=GUEST_TEAM)).status == 200
    return message, await one_ticket(bot)


# -- opening ---------------------------------------------------------------------------

async def test_a_guests_message_opens_a_ticket_for_the_customer(bot):
    message, ticket = await customer_ticket(bot)
    assert (ticket.customer, ticket.plan, ticket.category) == ("Acme", "enterprise", "Bug report")
    assert ticket.customer_thread and (ticket.source_channel_id, ticket.source_ts) == (ACME, message["ts"])
    assert ticket.team_id == HOME_TEAM and ticket.reporter_id == CUSTOMER
    assert ticket.channel_id == bot.runtime.config.tier("tier1").channel  # Bug report's tier
    assert ticket.summary == "Our exports fail with error 500 @here"
    [thanks] = customer_thread(bot, ticket)
    assert f"#{ticket.number}" in thanks["text"] and f"<@{CUSTOMER}>" in thanks["text"]
    assert not any("slack.com/archives" in text or bot.runtime.config.tier("tier1").channel in text
                   for text in bot_posts_in(bot, ACME))  # nothing internal, not even the card's link


async def test_an_agents_message_in_the_customer_channel_opens_nothing(bot):
    said = bot.slack.add_message(ACME, "Heads-up: maintenance tonight at 22:00 UTC", user=AGENT)
    assert (await send_event(bot, said, envelope_team=GUEST_TEAM)).status == 200
    await drain(bot)
    assert await tickets(bot) == []


async def test_guests_are_heard_in_customer_channels_only(bot):
    outside = guest_message(bot, HELP, "Hello? Anyone from support here?")
    assert (await send_event(bot, outside, envelope_team=GUEST_TEAM)).status == 200
    pinned = reaction(HELP, outside["ts"], user="U0GUEST002", team=GUEST_TEAM)
    assert (await send_event(bot, pinned, envelope_team=GUEST_TEAM)).status == 200
    await drain(bot)
    assert await tickets(bot) == []
    # The same reaction, by the same guest, in the customer's channel: accepted.
    inside = bot.slack.add_message(ACME, "We see timeouts on the API", user=AGENT)
    accepted = reaction(ACME, inside["ts"], user="U0GUEST002", team=GUEST_TEAM)
    assert (await send_event(bot, accepted, envelope_team=GUEST_TEAM)).status == 200
    ticket = await one_ticket(bot)
    assert ticket.customer == "Acme" and ticket.team_id == HOME_TEAM


@pytest.mark.parametrize("config", [ASK], indirect=True)
async def test_ask_mode_waits_for_the_button(bot):
    first = guest_message(bot, ACME, "Can you check our SSO setup?")
    second = guest_message(bot, GLOBEX, "Just saying thanks for yesterday")
    for message in (first, second):
        assert (await send_event(bot, message, envelope_team=GUEST_TEAM)).status == 200
    offers = await until(lambda: [o for c in (ACME, GLOBEX) for o in bot.slack.messages(c) if o.get("thread_ts")]
                         if len(bot.slack.messages(ACME) + bot.slack.messages(GLOBEX)) >= 2 else None,
                         what="two offers")
    await drain(bot)
    assert await tickets(bot) == []
    acme_offer = next(o for o in offers if o["channel"] == ACME)
    globex_offer = next(o for o in offers if o["channel"] == GLOBEX)

    await bot.sender.interactive(_guest_click(acme_offer, IntakeAction.OPEN_TICKET))
    ticket = await one_ticket(bot)
    assert ticket.customer == "Acme" and ticket.source_ts == first["ts"] and ticket.plan == "enterprise"
    assert f"#{ticket.number}" in bot.slack.message(ACME, acme_offer["ts"])["text"]
    assert not [b for b in bot.slack.message(ACME, acme_offer["ts"])["blocks"] if b["type"] == "actions"]
    await bot.sender.interactive(_guest_click(globex_offer, IntakeAction.NO_THANKS))
    await drain(bot)
    assert len(await tickets(bot)) == 1
    assert "No ticket" in bot.slack.message(GLOBEX, globex_offer["ts"])["text"]
    await bot.sender.interactive(_guest_click(acme_offer, IntakeAction.OPEN_TICKET))  # a second click
    await drain(bot)
    assert len(await tickets(bot)) == 1


def _guest_click(offer: dict, action: IntakeAction) -> dict:
    [block] = [b for b in offer["blocks"] if b["type"] == "actions"]
    value = next(e["value"] for e in block["elements"] if e["action_id"] == str(action))
    payload = block_actions_payload(str(action), value, user_id=CUSTOMER, channel_id=offer["channel"], message=offer)
    payload["team"]["id"] = payload["user"]["team_id"] = GUEST_TEAM  # a Slack Connect guest clicks
    return payload


# -- the conversation ---------------------------------------------------------------------

async def test_a_follow_up_is_mirrored_and_resumes_a_waiting_ticket(bot):
    _, ticket = await customer_ticket(bot)
    await say_in_customer_thread(bot, ticket, "Hi, I'm the admin here", user=AGENT, team=None)  # first response
    assert await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER) is None
    assert (await reload(bot, ticket.id)).waiting_since is not None
    await say_in_customer_thread(bot, ticket, "Here are the logs you asked for <!channel>")
    stored = await reload(bot, ticket.id)
    assert stored.waiting_since is None
    copies = thread_texts(bot, stored, "Here are the logs")
    assert len(copies) == 1 and f"<@{CUSTOMER}> (Acme)" in copies[0] and "<!channel>" not in copies[0]
    assert thread_texts(bot, stored, "runs again")  # the resume note
    # enterprise's P3 next response (1h): the customer's message started it, an agent's stops it
    assert stored.next_response_due_at is not None
    await say_in_customer_thread(bot, ticket, "Thanks, reading them now", user=AGENT, team=None)
    assert (await reload(bot, ticket.id)).next_response_due_at is None


async def test_an_agents_reply_in_the_customer_thread_is_the_first_response(bot):
    _, ticket = await customer_ticket(bot)
    await say_in_customer_thread(bot, ticket, "Me again, any news?")  # the customer: no response
    assert (await reload(bot, ticket.id)).first_response_at is None
    await say_in_customer_thread(bot, ticket, "Looking at it now", user=AGENT, team=None)
    stored = await reload(bot, ticket.id)
    assert stored.first_response_by == AGENT
    assert len(thread_texts(bot, stored, "Looking at it now")) == 1  # mirrored into the card's thread
    assert [r.actor_id for r in await ticket_rows(bot, ticket.id, "first_response")] == [AGENT]


async def test_internal_replies_stay_internal_and_a_prefixed_one_reaches_the_customer_once(bot):
    _, ticket = await customer_ticket(bot)
    seen_by_customer = len(customer_thread(bot, ticket))
    await say_in_card_thread(bot, ticket, "I think this is the S3 outage again, do not tell them yet")
    assert len(customer_thread(bot, ticket)) == seen_by_customer
    assert (await reload(bot, ticket.id)).first_response_at is None  # talking internally answers nobody

    reply = await say_in_card_thread(bot, ticket, "!reply We found the cause &amp; are deploying a fix <!here>",
                                     event_id="Ev0REPLYONCE")
    body = event_callback_body(reply, event_id="Ev0REPLYONCE")
    again = await bot.sender.raw(body, {**bot.sender.signed_headers(body, "application/json"), "X-Slack-Retry-Num": "1"})
    assert again.status == 200
    await drain(bot)
    sent = customer_thread(bot, ticket)[seen_by_customer:]
    assert [m["text"] for m in sent] == [f"<@{AGENT}> (support): We found the cause &amp; are deploying a fix @here"]
    assert (await reload(bot, ticket.id)).first_response_by == AGENT
    assert "S3 outage" not in " ".join(bot_posts_in(bot, ACME))


async def test_send_to_customer_posts_a_reply_once(bot):
    _, ticket = await customer_ticket(bot)
    note = await say_in_card_thread(bot, ticket, "Please restart the sync agent, then retry the export")
    before = len(customer_thread(bot, ticket))
    message = bot.slack.message(ticket.channel_id, note["ts"])
    for name in ("s1", "s2"):
        payload = message_shortcut_payload(str(TicketShortcut.SEND_TO_CUSTOMER), user_id="U0AGENT02",
                                           channel_id=ticket.channel_id, message=message,
                                           response_url=bot.slack.response_url(name))
        assert (await bot.sender.interactive(payload)).status == 200
        await bot.slack.wait_for_response(name)
        await drain(bot)
    assert "Sent" in bot.slack.responses["s1"][-1]["text"] and "already" in bot.slack.responses["s2"][-1]["text"]
    sent = customer_thread(bot, ticket)[before:]
    assert [m["text"] for m in sent] == [f"<@{AGENT}> (support): Please restart the sync agent, then retry the export"]
    assert (await reload(bot, ticket.id)).first_response_by == AGENT


async def test_resolution_and_survey_go_to_the_customer_thread(bot):
    from tests.integration.test_ticket_lifecycle import resolve
    _, ticket = await customer_ticket(bot)
    dms = len([c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == CUSTOMER])
    await resolve(bot, ticket, Resolution="Rotated the expired export token", **{"Root cause": "Token expiry alert muted"})
    await until(lambda: len(customer_thread(bot, ticket)) >= 3, what="resolution and survey in the customer thread")
    texts = bot_posts_in(bot, ACME)
    assert any("Rotated the expired export token" in t for t in texts)
    assert not any("Token expiry alert muted" in t for t in texts)  # the root cause stays internal
    assert len([c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == CUSTOMER]) == dms
    survey = next(m for m in customer_thread(bot, ticket) if any(b["type"] == "actions" for b in m.get("blocks", [])))
    [block] = [b for b in survey["blocks"] if b["type"] == "actions"]
    payload = block_actions_payload(block["elements"][4]["action_id"], block["elements"][4]["value"], user_id=CUSTOMER,
                                    channel_id=ACME, message=survey)
    payload["team"]["id"] = payload["user"]["team_id"] = GUEST_TEAM
    assert (await bot.sender.interactive(payload)).status == 200
    await drain(bot)
    assert (await reload(bot, ticket.id)).csat_rating == 5
