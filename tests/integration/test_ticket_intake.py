"""/ticket as a reporter meets it: the modal, its validation, the card, the confirmation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.tickets import Ticket, TicketEvent
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts, open_modal, submit

async def test_slash_ticket_opens_the_modal_prefilled(bot):
    view = await open_modal(bot, "Checkout page is blank")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Summary", "Description", "Category", "Priority", "Customer", "Private"]
    summary = next(b for b in view["blocks"] if b.get("label", {}).get("text") == "Summary")
    assert summary["element"]["initial_value"] == "Checkout page is blank"
    priority = next(b for b in view["blocks"] if b.get("label", {}).get("text") == "Priority")
    assert priority["element"]["initial_option"]["value"] == "P2"
    assert [o["value"] for o in priority["element"]["options"]] == ["P0", "P1", "P2", "P3"]


async def test_submission_creates_ticket_posts_card_to_tier_channel_and_confirms(bot, config):
    ticket = await create_ticket(bot)
    assert ticket.number == 1
    tier = config.initial_tier(config.category("Login problems"))
    card = bot.slack.messages(tier.channel)[-1]
    assert card["ts"] == ticket.message_ts
    text = str(card["blocks"])
    assert "#1 Cannot log in" in text and "P1 · High" in text and "Login problems" in text
    assert tier.name in text and "<@U0REPORTER>" in text and "ACME Corp" in text
    assert f"<!date^{int(ticket.first_response_due_at.timestamp())}^" in text
    assert f"<!date^{int(ticket.resolution_due_at.timestamp())}^" in text
    buttons = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["type"] == "button"]
    assert buttons == ["Claim", "Escalate", "Declare incident", "Waiting on customer", "Resolve", "Merge into…"]
    confirmation = bot.slack.ephemerals(user=REPORTER)[-1]
    assert "#1" in confirmation["text"] and ticket.permalink in confirmation["text"]
    assert confirmation["channel"] == "C0GENERAL"
    async with bot.runtime.sessions() as db:
        events = (await db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))).scalars().all()
    assert [e.kind for e in events] == ["created"]


async def test_p1_due_times_follow_the_policy(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    assert ticket.first_response_due_at == clock() + timedelta(hours=1)
    assert ticket.resolution_due_at == clock() + timedelta(hours=8)


async def test_ticket_numbers_count_up(bot):
    first = await create_ticket(bot, "one")
    second = await create_ticket(bot, "two")
    assert (first.number, second.number) == (1, 2)


async def _count_tickets(bot) -> int:
    async with bot.runtime.sessions() as db:
        return len((await db.execute(select(Ticket))).scalars().all())


async def test_empty_summary_is_a_field_error_and_creates_nothing(bot):
    view = await open_modal(bot)
    reply = await submit(bot, view, {"Summary": None, "Category": "Login problems", "Priority": "P2"})
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {"summary"}
    await bot.runtime.drain()  # every listener has finished
    assert await _count_tickets(bot) == 0
    assert bot.slack.calls_to("chat.postMessage") == []


async def test_too_long_summary_is_a_field_error(bot):
    view = await open_modal(bot)
    state = view_state(view, {"Category": "Login problems", "Priority": "P2"})
    state["summary"]["summary_input"]["value"] = "x" * 151
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    assert reply.json()["errors"] == {"summary": "Keep the summary to 150 characters (it has 151)."}
    assert await _count_tickets(bot) == 0


async def test_forged_category_and_priority_are_field_errors(bot):
    view = await open_modal(bot, "Something")
    state = view_state(view, {"Category": "Login problems", "Priority": "P2"})
    state["category"]["category_select"]["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": "Nope"}
    state["priority"]["priority_select"]["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": "P9"}
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    errors = reply.json()["errors"]
    assert set(errors) == {"category", "priority"}
    assert "not one of the categories" in errors["category"] and "not a priority" in errors["priority"]
    assert await _count_tickets(bot) == 0


async def test_user_text_is_escaped_on_the_card(bot, config):
    ticket = await create_ticket(bot, "<!channel> <@U123> & friends", customer="<!here>",
                                 description="see <https://evil.example|here>")
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    rendered = " ".join(mrkdwn_texts(card["blocks"])) + card["text"]
    assert "&lt;!channel&gt;" in card["text"]
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U123>" not in rendered
    assert "<https://evil" not in rendered
    assert "&lt;!here&gt;" in rendered
    confirmation = bot.slack.ephemerals(user=REPORTER)[-1]["text"]
    assert "<!channel>" not in confirmation and "&lt;!channel&gt;" in confirmation


async def test_category_without_tier_goes_to_triage(bot, config):
    no_tier = [c for c in config.categories if c.tier is None]
    if not no_tier:
        return
    ticket = await create_ticket(bot, category=no_tier[0].name)
    assert ticket.channel_id == config.channels.triage


async def test_confirmation_falls_back_to_dm_when_the_bot_is_not_in_the_channel(bot):
    bot.slack.add_channel("C0PRIVATE", bot_member=False)
    view = await open_modal(bot, "Need a hand", channel_id="C0PRIVATE")
    await submit(bot, view, {"Category": "Login problems", "Priority": "P3"})
    await bot.slack.wait_for("chat.postMessage", count=2)
    dm = [c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == REPORTER]
    assert dm and "#1" in dm[0].args["text"]


async def test_ticket_help_answers_ephemerally(bot):
    response_url = bot.slack.response_url("help")
    reply = await bot.sender.slash("/ticket", "help", user_id=REPORTER, response_url=response_url)
    assert reply.status == 200
    answer = (await bot.slack.wait_for_response("help"))[0]
    assert answer["response_type"] == "ephemeral"
    assert "/ticket mine" in answer["text"]
