"""Message shortcut "Create ticket from message": prefilled modal, ticket linked to the message."""

from __future__ import annotations

from sqlalchemy import select

from workflows.tickets.ids import TicketShortcut
from models.tickets import Ticket
from tests.fakes.slack import input_block_by_label, view_state
from tests.fakes.slack_requests import message_shortcut_payload, view_submission_payload
from tests.ticket_steps import REPORTER, mrkdwn_texts

SOURCE_CHANNEL = "C0GENERAL"
CUSTOMER_REP = "U0CUSTREP"
SOURCE_TEXT = ("<@U0AGENT> checkout fails for <https://acme.example/orders|ACME orders> &amp; more\n"
               "Steps: open <#C0SHOP|shop>, pay, see &lt;error 500&gt;")


async def _shortcut(bot, message: dict, *, channel_id: str = SOURCE_CHANNEL, user_id: str = REPORTER) -> dict:
    """Choose the shortcut on ``message``; return the modal it opened."""
    payload = message_shortcut_payload(str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id=user_id,
                                       channel_id=channel_id, message=message)
    before = len(bot.slack.calls_to("views.open"))
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200 and not reply.body
    [*_, call] = await bot.slack.wait_for("views.open", count=before + 1)
    assert call.ok, call
    assert call.args["trigger_id"] == payload["trigger_id"]
    return bot.slack.latest_view()


async def test_shortcut_opens_the_modal_prefilled_from_the_message(bot):
    message = bot.slack.add_message(SOURCE_CHANNEL, SOURCE_TEXT, user=CUSTOMER_REP)
    view = await _shortcut(bot, message)
    summary = input_block_by_label(view, "Summary")["element"]
    assert summary["initial_value"] == "@U0AGENT checkout fails for ACME orders & more"
    description = input_block_by_label(view, "Description")["element"]["initial_value"]
    assert description == ("@U0AGENT checkout fails for ACME orders (https://acme.example/orders) & more\n"
                           "Steps: open #shop, pay, see <error 500>")
    note = " ".join(mrkdwn_texts([b for b in view["blocks"] if b["type"] == "context"]))
    assert f"<@{CUSTOMER_REP}>" in note and f"<#{SOURCE_CHANNEL}>" in note


async def test_summary_is_capped_to_150_characters(bot):
    message = bot.slack.add_message(SOURCE_CHANNEL, "word " * 100, user=CUSTOMER_REP)
    view = await _shortcut(bot, message)
    assert len(input_block_by_label(view, "Summary")["element"]["initial_value"]) <= 150


async def test_shortcut_round_trip_links_the_original_message_and_notes_the_ticket_in_its_thread(bot):
    message = bot.slack.add_message(SOURCE_CHANNEL, SOURCE_TEXT, user=CUSTOMER_REP)
    view = await _shortcut(bot, message)
    posts_before = len(bot.slack.calls_to("chat.postMessage"))
    state = view_state(view, {"Category": "Login problems", "Priority": "P1", "Customer": "ACME"})
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    assert reply.status == 200 and not reply.body, reply.body

    await bot.slack.wait_for("chat.postMessage", count=posts_before + 2)  # the card, the note
    await bot.slack.wait_for("chat.postEphemeral")
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert ticket.summary == "@U0AGENT checkout fails for ACME orders & more"
    assert ticket.description.startswith("@U0AGENT checkout fails")
    assert ticket.reporter_id == REPORTER and ticket.origin_channel_id == SOURCE_CHANNEL

    [lookup] = [c for c in bot.slack.calls_to("chat.getPermalink") if c.args.get("message_ts") == message["ts"]]
    permalink = lookup.response["permalink"]
    assert f"/archives/{SOURCE_CHANNEL}/" in permalink
    assert ticket.source_permalink == permalink
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    assert f"<{permalink}|Original message>" in " ".join(mrkdwn_texts(card["blocks"]))

    [note] = bot.slack.thread(SOURCE_CHANNEL, message["ts"])
    assert note.get("bot_id") and f"#{ticket.number}" in note["text"] and ticket.permalink in note["text"]
    confirmation = bot.slack.ephemerals(user=REPORTER)[-1]
    assert confirmation["channel"] == SOURCE_CHANNEL and f"#{ticket.number}" in confirmation["text"]


async def test_shortcut_on_a_bot_message_without_text_opens_an_empty_modal(bot):
    message = {"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "text": "",
               "ts": bot.slack.next_ts(), "attachments": [{"fallback": "alert"}]}
    view = await _shortcut(bot, message)
    assert "initial_value" not in input_block_by_label(view, "Summary")["element"]
    assert "initial_value" not in input_block_by_label(view, "Description")["element"]
