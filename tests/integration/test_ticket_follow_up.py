"""Follow-ups (#19): *Open a follow-up ticket* in a closed ticket's thread opens the `/ticket`
form prefilled from the closed ticket (the link travels in private_metadata); submitting it
opens a ticket that follows up the closed one, named in its thread and timeline. One per
person: a second click is answered with the first one's number."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.lifecycle_steps import (
    AGENT,
    TIER1_CHANNEL,
    click_card,
    kinds,
    policy,
    resolve,
    rows,
    stored,
    submit_view,
    thread_texts,
    wait_for_card,
)
from tests.sla_steps import reply
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until
from workflows.tickets.closing import close_resolved_tickets
from workflows.tickets.ids import TicketAction, TicketView

CLOSING = policy(lambda data: data.update(tickets={"close_after": "7d"}))
pytestmark = pytest.mark.parametrize("config", [CLOSING])


async def closed_ticket(bot, clock, summary: str = "Invoices missing") -> Ticket:
    """Ticket #1, resolved and closed (``tickets.close_after``); the reporter then writes in
    its thread, and the bot answers there with *Open a follow-up ticket*."""
    await create_ticket(bot, summary, category="Payment failed", priority="P1", customer="ACME Corp")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    await click_card(bot, ticket, TicketAction.CLAIM, AGENT)
    await resolve(bot, ticket)
    clock.advance(timedelta(days=8))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 1
    await reply(bot, ticket, "It is broken again", user=REPORTER)
    await until(lambda: "is closed, so this reply does not reopen it" in
                thread_texts(bot, TIER1_CHANNEL, ticket.message_ts)[-1], what="the answer in the closed thread")
    return await stored(bot, 1)


def offer(bot, ticket: Ticket) -> dict:
    """The bot's answer in the closed thread, with its button."""
    return next(m for m in reversed(bot.slack.thread(TIER1_CHANNEL, ticket.message_ts))
                if "is closed, so this reply" in m.get("text", ""))


async def click_follow_up(bot, ticket: Ticket, *, user_id: str = REPORTER, answer: str | None = None,
                          trigger_id: str | None = None):
    message = offer(bot, ticket)
    payload = block_actions_payload(str(TicketAction.OPEN_FOLLOW_UP), str(ticket.id), user_id=user_id,
                                    channel_id=TIER1_CHANNEL, message=message, trigger_id=trigger_id,
                                    response_url=bot.slack.response_url(answer) if answer else None)
    response = await bot.sender.interactive(payload)
    assert response.status == 200, response.text
    await drain(bot)
    return payload


def initial(view: dict, label: str):
    [block] = [b for b in view["blocks"] if b["type"] == "input" and b["label"]["text"] == label]
    element = block["element"]
    option = element.get("initial_option")
    return option["value"] if option else element.get("initial_value")


async def test_the_follow_up_button_opens_the_prefilled_form_and_the_ticket_links_back(bot, clock):
    closed = await closed_ticket(bot, clock)
    opened = len(bot.slack.calls_to("views.open"))
    await click_follow_up(bot, closed)
    [call] = bot.slack.calls_to("views.open")[opened:]
    assert call.ok
    form = bot.slack.latest_view(str(TicketView.NEW_TICKET))
    assert initial(form, "Summary") == "Follow-up to #1: Invoices missing"
    assert (initial(form, "Category"), initial(form, "Priority")) == ("Payment failed", "P1")
    assert initial(form, "Description") is None  # the reporter says what is still wrong
    assert json.loads(form["private_metadata"])["follows_up_id"] == closed.id  # not a field anyone edits
    assert closed.permalink in str(form["blocks"])  # the form says what it follows up
    assert (await stored(bot, 1)).status == "closed" and await kinds(bot, 1) == [
        "created", "claimed", "resolved", "closed", "replied"]  # nothing opened by the click alone
    confirmations = len(bot.slack.calls_to("chat.postEphemeral"))

    answer = await submit_view(bot, form, {"Description": "March invoices are still missing"}, user_id=REPORTER)
    assert answer.status == 200 and not answer.body, answer.body
    follow_up = await wait_for_card(bot, 2, TIER1_CHANNEL)
    assert (follow_up.summary, follow_up.follows_up_id, follow_up.reporter_id, follow_up.description) == (
        "Follow-up to #1: Invoices missing", closed.id, REPORTER, "March invoices are still missing")
    assert (follow_up.category, follow_up.priority, follow_up.customer, follow_up.status) == (
        "Payment failed", "P1", "ACME Corp", "new")
    assert (await stored(bot, 1)).status == "closed"  # stays closed
    [followed] = await rows(bot, 1, "followed_up")
    assert (followed.actor_id, followed.detail) == (REPORTER, {"follow_up": 2, "follow_up_id": follow_up.id})
    await until(lambda: "<@U0REPORTER> opened #2 as a follow-up to #1." in
                thread_texts(bot, TIER1_CHANNEL, closed.message_ts), what="the note in the closed thread")
    await until(lambda: thread_texts(bot, TIER1_CHANNEL, follow_up.message_ts), what="the follow-up's first note")
    assert thread_texts(bot, TIER1_CHANNEL, follow_up.message_ts)[0] == (
        f"This ticket follows up <{closed.permalink}|#1> (Invoices missing), which is closed; "
        f"its thread has the story so far.")
    await bot.slack.wait_for("chat.postEphemeral", count=confirmations + 1)  # the reporter's confirmation
    assert "Ticket *#2* opened" in bot.slack.calls_to("chat.postEphemeral")[-1].args["text"]

    # A second click by the same person: the first follow-up's number, no second form.
    opened = len(bot.slack.calls_to("views.open"))
    await click_follow_up(bot, closed, answer="again")
    [said] = await bot.slack.wait_for_response("again")
    assert said["response_type"] == "ephemeral"
    assert said["text"] == f"You opened <{follow_up.permalink}|#2> as the follow-up of #1 already."
    assert len(bot.slack.calls_to("views.open")) == opened


async def test_a_second_form_or_a_forged_one_opens_nothing(bot, clock):
    closed = await closed_ticket(bot, clock)
    await click_follow_up(bot, closed)
    first = bot.slack.latest_view(str(TicketView.NEW_TICKET))
    await click_follow_up(bot, closed)  # before the first form is submitted: a second form
    second = bot.slack.latest_view(str(TicketView.NEW_TICKET))
    assert first["id"] != second["id"]
    assert (await submit_view(bot, first, {}, user_id=REPORTER)).status == 200
    await wait_for_card(bot, 2, TIER1_CHANNEL)
    refused = await submit_view(bot, second, {}, user_id=REPORTER)
    assert refused.json() == {"response_action": "errors", "errors": {
        "summary": "You opened #2 as the follow-up of #1 already."}}
    assert len(await rows(bot, 1, "followed_up")) == 1

    # private_metadata naming an open ticket (a forged form): refused, nothing stored.
    await create_ticket(bot, "Something else")
    assert (await stored(bot, 3)).status == "new"
    metadata = json.dumps({"channel_id": TIER1_CHANNEL, "follows_up_id": (await stored(bot, 3)).id})
    forged = view_submission_payload(first, view_state(first, {}), user_id="U0SOMEONE", private_metadata=metadata)
    answer = await bot.sender.interactive(forged)
    assert answer.json()["errors"] == {
        "summary": "#3 is not closed; write in its thread instead of opening a follow-up."}
    await drain(bot)
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(func.count(Ticket.id)))).scalar_one() == 3


async def test_an_expired_trigger_gets_the_plain_answer(bot, clock):
    closed = await closed_ticket(bot, clock)
    first = await click_follow_up(bot, closed, user_id="U0SOMEONE")
    opened = len(bot.slack.calls_to("views.open"))
    await click_follow_up(bot, closed, user_id="U0SOMEONE", answer="late", trigger_id=first["trigger_id"])
    [said] = await bot.slack.wait_for_response("late")
    assert said["text"].startswith(":warning: The form could not open: Slack only lets a click or command open one "
                                   "form, within 3 seconds.")
    assert [c.ok for c in bot.slack.calls_to("views.open")[opened:]] == [False]
    assert await rows(bot, 1, "followed_up") == []
