"""5,000 characters of user text, ``<!channel>`` included, wherever a person can type:
the bot either refuses it clearly or stores it and caps it in every message it builds.
The fake Slack rejects blocks over Slack's limits (``invalid_blocks``), so every call
it answered ``ok`` proves the blocks were sound; none may fail for our blocks' sake."""

from __future__ import annotations

from sqlalchemy import func, select

from workflows.tickets.ids import TicketBlock, TicketShortcut
from models.tickets import Ticket
from tests.fakes.slack import input_block_by_label, view_state
from tests.fakes.slack_requests import message_shortcut_payload, view_submission_payload
from tests.fakes.slack_views import validate_message_blocks
from tests.incident_steps import answer, declare, run_in_war_room
from tests.integration.test_ticket_lifecycle import claim, resolve
from tests.sla_steps import ask
from tests.ticket_steps import REPORTER, mrkdwn_texts, open_modal, submit

HUGE = ("<!channel> <@U0REPORTER> & <b>\n" * 200)[:5000]
AGENT = "U0AGENT01"
REJECTED = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_arguments", "too_long",
            "fake_slack_bug"}


def rejected(bot) -> list[str]:
    """Calls Slack refused because of what we sent, and invalid blocks posted to response_urls."""
    bad = [str(c) for c in bot.slack.calls if c.response.get("error") in REJECTED]
    bad += [f"response_url {name}" for name, posted in bot.slack.responses.items() for payload in posted
            if "blocks" in payload and validate_message_blocks(payload["blocks"])]
    return bad


def no_pings(bot) -> None:
    """``<!channel>`` typed by a person never reaches a mrkdwn text unescaped."""
    for call in bot.slack.calls:
        for text in mrkdwn_texts(call.args.get("blocks") or []) + mrkdwn_texts(call.args.get("view") or {}):
            assert "<!channel>" not in text, (call.method, text[:200])


async def tickets(bot) -> int:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(func.count()).select_from(Ticket))).scalar_one()


async def test_a_5000_character_summary_is_capped_in_the_modal_and_refused_on_submit(bot):
    view = await open_modal(bot, HUGE)
    assert len(input_block_by_label(view, "Summary")["element"]["initial_value"]) <= 150
    reply = await submit(bot, view, {"Summary": HUGE, "Description": HUGE, "Category": "Login problems",
                                     "Priority": "P1", "Customer": HUGE})
    errors = reply.json()["errors"]
    assert errors.keys() == {str(TicketBlock.SUMMARY), str(TicketBlock.DESCRIPTION), str(TicketBlock.CUSTOMER)}
    assert all(len(message) < 200 for message in errors.values())
    assert await tickets(bot) == 0 and rejected(bot) == []


async def test_a_ticket_of_the_longest_texts_keeps_every_message_sound(bot):
    message = bot.slack.add_message("C0GENERAL", HUGE, user="U0CUSTREP")
    reply = await bot.sender.interactive(message_shortcut_payload(
        str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id=REPORTER, channel_id="C0GENERAL", message=message))
    assert reply.status == 200
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view()
    values = {"Summary": HUGE[:150], "Description": HUGE[:3000], "Category": "Login problems", "Priority": "P1",
              "Customer": HUGE[:200]}
    reply = await bot.sender.interactive(view_submission_payload(view, view_state(view, values), user_id=REPORTER))
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert ticket.message_ts, rejected(bot)
    await bot.sender.event(bot.slack.add_message(ticket.channel_id, HUGE, user=AGENT, thread_ts=ticket.message_ts))
    await claim(bot, ticket, AGENT)
    for text in (f"#{ticket.number}", "mine", "queue", f"wait #{ticket.number}", f"resume #{ticket.number}"):
        assert not (await ask(bot, text, user_id=AGENT))["text"].startswith(":warning: Something went wrong")
    refused = await ask(bot, f"priority #{ticket.number} {HUGE}", user_id=AGENT)
    assert refused["text"].startswith(":warning:") and len(refused["text"]) < 300
    escalation = await bot.sender.slash("/escalate", f"#{ticket.number} {HUGE[:1000]} impact: {HUGE[:500]}",
                                        user_id=AGENT, channel_id=ticket.channel_id,
                                        response_url=bot.slack.response_url("esc"))
    assert escalation.status == 200
    [answered] = await bot.slack.wait_for_response("esc")
    assert answered["text"].startswith("Escalated"), answered
    too_long = await bot.sender.slash("/escalate", f"#{ticket.number} {HUGE}", user_id=AGENT,
                                      response_url=bot.slack.response_url("esc2"))
    assert too_long.status == 200
    assert (await bot.slack.wait_for_response("esc2"))[0]["text"] == ":warning: Keep the reason to 1000 characters."
    await resolve(bot, ticket, AGENT, Resolution=HUGE[:3000], **{"Root cause": HUGE[:2000],
                                                                   "Follow-up needed": HUGE[:2000]})
    await bot.runtime.drain()
    assert rejected(bot) == []
    no_pings(bot)


async def test_an_incident_of_the_longest_texts_keeps_every_message_sound(bot):
    assert (await answer(bot, f"declare P1 {HUGE}")).startswith(":warning: Keep the incident title")
    incident, _ = await declare(bot, f"P1 {HUGE[:150]}")
    await run_in_war_room(bot, incident, f"update {HUGE[:3000]}", then="update_posted")
    assert (await answer(bot, f"update {HUGE}", channel=incident.channel_id)).startswith(":warning: Keep the")
    await run_in_war_room(bot, incident, f"external {HUGE[:3000]}", then="external_update_posted")
    await run_in_war_room(bot, incident, f"resolve {HUGE[:3000]}", then="postmortem_posted")
    assert rejected(bot) == []
    no_pings(bot)
