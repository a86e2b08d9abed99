"""Merging from the card (#19): *Merge into…* opens a form asking for the ticket this one
duplicates, merging as `/ticket merge` does, with every refusal as the form's field error;
a resolved ticket can take a duplicate (its reporter hears the resolution at once), a
closed one cannot (a follow-up ticket is the way on)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.tickets import Ticket, TicketWatcher
from tests.lifecycle_steps import (
    AGENT,
    TIER1_CHANNEL,
    ask,
    card,
    card_text,
    click_card,
    dm_messages,
    dms,
    kinds,
    policy,
    resolve,
    rows,
    stored,
    submit_view,
    thread_texts,
    wait_for_card,
)
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until
from workflows.tickets.closing import close_resolved_tickets
from workflows.tickets.ids import TicketAction, TicketView

OTHER_REPORTER = "U0REPORTER2"
RESOLVED = "#{number} is resolved: {resolution}"
CLOSING = policy(lambda data: data.update(tickets={"close_after": "7d"}, messages={"resolved": RESOLVED}))
pytestmark = pytest.mark.parametrize("config", [CLOSING])


async def two_tickets(bot) -> tuple[Ticket, Ticket]:
    """#1 by REPORTER, #2 by OTHER_REPORTER, both with their cards posted."""
    await create_ticket(bot, "Checkout broken")
    bot.clock.advance(timedelta(minutes=1))
    await create_ticket(bot, "Cannot pay")
    async with bot.runtime.sessions.begin() as db:
        (await db.get(Ticket, (await stored(bot, 2)).id)).reporter_id = OTHER_REPORTER
    return await wait_for_card(bot, 1, TIER1_CHANNEL), await wait_for_card(bot, 2, TIER1_CHANNEL)


async def open_merge_form(bot, ticket: Ticket, user_id: str = AGENT) -> dict:
    opened = len(bot.slack.calls_to("views.open"))
    await click_card(bot, ticket, TicketAction.MERGE, user_id)
    await bot.slack.wait_for("views.open", count=opened + 1)
    return bot.slack.latest_view(str(TicketView.MERGE_TICKET))


def field_error(reply) -> str:
    assert reply.status == 200 and reply.json()["response_action"] == "errors", reply.body
    errors = reply.json()["errors"]
    assert list(errors) == ["merge_into"], errors
    return errors["merge_into"]


def resolution_dms(bot, user_id: str, number: int) -> list[str]:
    return [m["text"] for m in dms(bot, user_id) if m["text"].startswith(f"#{number} is resolved:")]


async def test_merge_into_from_the_card_merges_as_the_command_does(bot):
    first, second = await two_tickets(bot)
    buttons = [e["text"]["text"] for b in card(bot, first)["blocks"] if b["type"] == "actions"
               for e in b["elements"] if e["type"] == "button"]
    assert buttons[-1] == "Merge into…"

    form = await open_merge_form(bot, first)
    assert form["title"]["text"] == "Merge #1"
    [field] = [b for b in form["blocks"] if b["type"] == "input"]
    assert (field["label"]["text"], field["element"]["type"]) == ("Merge into ticket", "plain_text_input")
    reply = await submit_view(bot, form, {"Merge into ticket": " #2 "}, user_id=AGENT)
    assert reply.status == 200 and not reply.body, reply.body

    duplicate = await stored(bot, 1)
    assert (duplicate.status, duplicate.merged_into_id, duplicate.resolved_by) == ("resolved", second.id, AGENT)
    assert duplicate.resolution == "Duplicate of #2: Cannot pay"
    assert (await kinds(bot, 1))[-1] == "merged" and (await kinds(bot, 2))[-1] == "duplicate_merged"
    async with bot.runtime.sessions() as db:
        [watcher] = (await db.execute(select(TicketWatcher))).scalars()
    assert (watcher.ticket_id, watcher.user_id, watcher.via_ticket_id) == (second.id, REPORTER, first.id)
    await until(lambda: dms(bot, REPORTER) and "merged into it" in dms(bot, REPORTER)[-1]["text"])
    assert "You will hear here when #2 is resolved." in dms(bot, REPORTER)[-1]["text"]
    await until(lambda: second.permalink in (thread_texts(bot, TIER1_CHANNEL, first.message_ts) or [""])[-1])
    await until(lambda: first.permalink in (thread_texts(bot, TIER1_CHANNEL, second.message_ts) or [""])[-1])
    await until(lambda: "Resolved by <@U0AGENT01>" in card_text(bot, duplicate))
    assert "Merge into…" not in str(card(bot, duplicate)["blocks"])  # a resolved card offers Reopen only


async def test_the_merge_form_answers_each_bad_input_on_its_field(bot, clock):
    first, second = await two_tickets(bot)
    clock.advance(timedelta(minutes=1))
    await create_ticket(bot, "Old invoice question")
    third = await wait_for_card(bot, 3, TIER1_CHANNEL)
    await click_card(bot, third, TicketAction.CLAIM, AGENT)
    await resolve(bot, third)
    clock.advance(timedelta(days=8))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 1  # #3 is closed now

    form = await open_merge_form(bot, first)
    assert "is not a ticket number" in field_error(await submit_view(bot, form, {"Merge into ticket": "two"},
                                                                     user_id=AGENT))
    assert "Type the number" in field_error(await submit_view(bot, form, {"Merge into ticket": None}, user_id=AGENT))
    assert field_error(await submit_view(bot, form, {"Merge into ticket": "99"}, user_id=AGENT)) == \
        "Ticket #99 not found."
    assert field_error(await submit_view(bot, form, {"Merge into ticket": "#1"}, user_id=AGENT)) == \
        "A ticket cannot be merged into itself."
    closed = field_error(await submit_view(bot, form, {"Merge into ticket": "3"}, user_id=AGENT))
    assert closed == "#3 is closed, so #1 cannot be merged into it; keep #1 open as a follow-up ticket to #3 instead."
    assert (await stored(bot, 1)).status == "new" and await kinds(bot, 1) == ["created"]  # nothing changed

    # #1 is merged elsewhere while the form is open: the form says so, nothing more happens.
    assert (await ask(bot, "merge #1 #2", user_id=AGENT)).startswith("Merged #1 into #2")
    assert field_error(await submit_view(bot, form, {"Merge into ticket": "2"}, user_id=AGENT)) == \
        "#1 is already resolved."
    assert len(await rows(bot, 1, "merged")) == 1 and len(await rows(bot, 2, "duplicate_merged")) == 1


async def test_merging_into_a_resolved_ticket_sends_its_resolution_to_the_new_watcher_once(bot):
    first, second = await two_tickets(bot)
    await resolve(bot, second, resolution="Payments restored")
    await until(lambda: resolution_dms(bot, OTHER_REPORTER, 2), what="#2's resolution DM to its reporter")
    assert resolution_dms(bot, REPORTER, 2) == []

    form = await open_merge_form(bot, first)
    reply = await submit_view(bot, form, {"Merge into ticket": "2"}, user_id=AGENT)
    assert reply.status == 200 and not reply.body, reply.body
    assert (await stored(bot, 1)).status == "resolved" and (await stored(bot, 2)).status == "resolved"
    await until(lambda: len(dms(bot, REPORTER)) >= 3, what="the merge DM, #2's resolution and #1's survey")
    await drain(bot)
    texts = [m["text"] for m in dms(bot, REPORTER)]
    merged = next(i for i, t in enumerate(texts) if "merged into it" in t)
    assert "#2 is resolved already: here is how." in texts[merged]
    assert texts[merged + 1] == "#2 is resolved: Payments restored"
    survey = dm_messages(bot, REPORTER)[merged + 2]
    values = [e["value"] for b in survey["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values and all(v.startswith(f"{first.id}:") for v in values)  # the survey of their own #1
    assert resolution_dms(bot, REPORTER, 2) == ["#2 is resolved: Payments restored"]  # once
    watched = [r for r in await rows(bot, 2, "customer_notified") if r.detail.get("watcher")]
    assert [r.detail["to"] for r in watched] == [REPORTER]
    assert any("was sent its resolution" in t for t in thread_texts(bot, TIER1_CHANNEL, second.message_ts))

    # #2 reopened and resolved again: its watchers hear again, as they always do.
    assert "reopen" in (await ask(bot, "reopen #2", user_id=AGENT)).lower()
    await resolve(bot, await stored(bot, 2), resolution="Payments restored for good")
    await until(lambda: len(resolution_dms(bot, REPORTER, 2)) == 2, what="the second resolution DM")
    assert resolution_dms(bot, REPORTER, 2)[-1] == "#2 is resolved: Payments restored for good"


async def test_merging_into_a_closed_ticket_is_refused_with_the_follow_up_way(bot, clock):
    first, second = await two_tickets(bot)
    await resolve(bot, second)
    clock.advance(timedelta(days=8))
    assert await close_resolved_tickets(deps=bot.runtime.deps) == 1
    answer = await ask(bot, "merge #1 #2", user_id=AGENT)
    assert "#2 is closed, so #1 cannot be merged into it; keep #1 open as a follow-up ticket to #2 instead." in answer
    assert (await stored(bot, 1)).status == "new" and (await kinds(bot, 1)) == ["created"]
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(TicketWatcher))).scalars().all() == []
