"""Triage (#19): the card's Triage button in the triage channel and `/ticket triage #N` open
one form for priority, category and assignee; a new category moves the card."""

from __future__ import annotations

from datetime import timedelta

from tests.lifecycle_steps import (
    AGENT,
    AGENT2,
    TIER1_CHANNEL,
    TRIAGE_CHANNEL,
    ask,
    card,
    card_text,
    click_card,
    dms,
    kinds,
    rows,
    stored,
    submit_view,
    thread_texts,
    wait_for_card,
)
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.ticket_steps import create_ticket
from tests.waiting import until
from workflows.tickets.ids import TicketAction, TicketView

QUESTION = "General question"  # no tier: its tickets land in the triage channel


def buttons(message: dict) -> list[str]:
    return [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["type"] == "button"]


async def open_triage_form(bot, ticket, user_id: str = AGENT) -> dict:
    opened = len(bot.slack.calls_to("views.open"))
    await click_card(bot, ticket, TicketAction.TRIAGE, user_id)
    await bot.slack.wait_for("views.open", count=opened + 1)
    return bot.slack.latest_view(str(TicketView.TRIAGE_TICKET))


async def test_triage_sets_priority_category_and_assignee_and_moves_the_card(bot, clock):
    ticket = await create_ticket(bot, "How do I export my invoices?", category=QUESTION, priority="P3")
    assert ticket.channel_id == TRIAGE_CHANNEL and ticket.status == "new"
    ticket = await wait_for_card(bot, ticket.number, TRIAGE_CHANNEL)
    assert "Triage" in buttons(card(bot, ticket)) and "New, unassigned" in card_text(bot, ticket)
    old_ts, old_link, due_before = ticket.message_ts, ticket.permalink, ticket.first_response_due_at
    clock.advance(timedelta(minutes=10))

    form = await open_triage_form(bot, ticket)
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    assert labels == ["Priority", "Category", "Assignee"]
    reply = await submit_view(bot, form, {"Priority": "P1", "Category": "Payment failed", "Assignee": AGENT2},
                              user_id=AGENT)
    assert reply.status == 200 and not reply.body, reply.body

    moved = await wait_for_card(bot, ticket.number, TIER1_CHANNEL)
    assert (moved.priority, moved.category, moved.tier, moved.assignee_id, moved.status) == (
        "P1", "Payment failed", "tier1", AGENT2, "in_progress")
    assert moved.triaged_at == clock() and moved.first_response_due_at != due_before  # P1's targets now
    assert moved.message_ts != old_ts
    assert "In progress, assigned to <@U0AGENT02>" in card_text(bot, moved) and "Triage" not in buttons(card(bot, moved))
    # The old card points to the new one, and has no buttons left; its thread is told.
    old = bot.slack.message(TRIAGE_CHANNEL, old_ts)
    assert "moved #1 to *Frontline* (<#C0TIER1FL>)" in str(old["blocks"]) and buttons(old) == []
    assert any("moved to *Frontline*" in t for t in thread_texts(bot, TRIAGE_CHANNEL, old_ts))
    # The new card's thread opens with the way back to the conversation so far.
    await until(lambda: thread_texts(bot, TIER1_CHANNEL, moved.message_ts))
    first = thread_texts(bot, TIER1_CHANNEL, moved.message_ts)[0]
    assert "moved #1 here from *Triage*" in first and old_link in first
    assert any("triaged #1" in t and "P1 · High" in t and "<@U0AGENT02>" in t
               for t in thread_texts(bot, TIER1_CHANNEL, moved.message_ts))
    # The assignee is told by DM.
    [dm] = dms(bot, AGENT2)
    assert "<@U0AGENT01> assigned you ticket" in dm["text"] and "#1" in dm["text"]
    assert await kinds(bot, 1) == ["created", "priority_changed", "category_changed", "moved", "triaged"]
    [triaged] = await rows(bot, 1, "triaged")
    assert triaged.actor_id == AGENT and triaged.detail["before"] == {
        "priority": "P3", "category": QUESTION, "assignee": None}


async def test_triage_command_without_assignee_leaves_it_triaged(bot):
    ticket = await create_ticket(bot, "Where is the API key page?", category=QUESTION, priority="P3")
    opened = len(bot.slack.calls_to("views.open"))
    reply = await bot.sender.slash("/ticket", f"triage #{ticket.number}", user_id=AGENT)
    assert reply.status == 200
    await bot.slack.wait_for("views.open", count=opened + 1)
    form = bot.slack.latest_view(str(TicketView.TRIAGE_TICKET))
    reply = await submit_view(bot, form, {"Priority": "P2"}, user_id=AGENT)  # category kept
    assert reply.status == 200 and not reply.body, reply.body
    triaged = await stored(bot, ticket.number)
    assert (triaged.status, triaged.priority, triaged.assignee_id, triaged.channel_id) == (
        "triaged", "P2", None, TRIAGE_CHANNEL)
    await until(lambda: "Triaged, unassigned" in card_text(bot, triaged))
    assert await kinds(bot, 1) == ["created", "priority_changed", "triaged"]


async def test_a_forged_form_gets_field_errors_and_changes_nothing(bot):
    ticket = await create_ticket(bot, "Question", category=QUESTION, priority="P3")
    form = await open_triage_form(bot, ticket)
    state = view_state(form, {})
    state["triage_priority"]["triage_priority_select"]["selected_option"] = {"value": "P9"}
    state["triage_category"]["triage_category_select"]["selected_option"] = {"value": "Nope"}
    reply = await bot.sender.interactive(view_submission_payload(form, state, user_id=AGENT))
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {"triage_priority", "triage_category"}
    assert await kinds(bot, 1) == ["created"]


async def test_a_resolved_ticket_cannot_be_triaged(bot):
    ticket = await create_ticket(bot, "Question", category=QUESTION, priority="P3")
    async with bot.runtime.sessions.begin() as db:
        row = await db.get(type(ticket), ticket.id)
        row.status = "resolved"
    answer = await ask(bot, f"triage #{ticket.number}", user_id=AGENT)
    assert "#1 is resolved; reopen it first." in answer
    assert await kinds(bot, 1) == ["created"]
