"""Re-routing and merging (#19): `/ticket move #N tier2` and `/ticket category #N Name` move
the card to the new tier's channel (the old card points to it, the history is linked,
the SLA clocks keep running); `/ticket merge #A #B` resolves A as B's duplicate."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from models.sla import SlaNotification
from models.tickets import TicketWatcher
from tests.lifecycle_steps import (
    AGENT,
    TECH,
    TIER1_CHANNEL,
    TIER2_CHANNEL,
    TRIAGE_CHANNEL,
    ask,
    card_text,
    click_card,
    dms,
    kinds,
    resolve,
    rows,
    stored,
    thread_texts,
    wait_for_card,
)
from tests.sla_steps import fire, reply
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import drain, until
from workflows.tickets.ids import TicketAction
from workflows.tickets.states import is_open

OTHER_REPORTER = "U0REPORTER2"


async def test_move_posts_a_new_card_and_keeps_the_clocks(bot, clock):
    ticket = await create_ticket(bot, "Exports time out", category="Login problems", priority="P1")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    old_ts, old_link = ticket.message_ts, ticket.permalink
    clock.advance(timedelta(minutes=10))

    assert await ask(bot, "move #1 tier2", user_id=AGENT) == "Moved #1 to Technical (<#C0TIER2TS>)."
    moved = await wait_for_card(bot, 1, TIER2_CHANNEL)
    assert (moved.tier, moved.status, moved.number) == ("tier2", "new", 1)
    assert (moved.first_response_due_at, moved.resolution_due_at) == (
        ticket.first_response_due_at, ticket.resolution_due_at)  # the clocks keep running
    old = bot.slack.message(TIER1_CHANNEL, old_ts)
    assert "moved #1 to *Technical* (<#C0TIER2TS>)" in str(old["blocks"])
    assert not [b for b in old["blocks"] if b["type"] == "actions"]
    assert thread_texts(bot, TIER1_CHANNEL, old_ts)[-1].startswith(":arrow_right: #1 moved to *Technical*")
    await until(lambda: thread_texts(bot, TIER2_CHANNEL, moved.message_ts))
    assert old_link in thread_texts(bot, TIER2_CHANNEL, moved.message_ts)[0]
    [row] = await rows(bot, 1, "moved")
    assert (row.actor_id, row.detail["from"], row.detail["to"], row.detail["from_ts"]) == (
        AGENT, "tier1", "tier2", old_ts)

    # The conversation goes on under the new card: a reply there is the first response.
    await reply(bot, moved, "Looking at it now", user=TECH)
    assert (await stored(bot, 1)).first_response_by == TECH
    # SLA notices go to the new tier's channel.
    clock.advance(timedelta(hours=6))
    await fire(bot)
    await drain(bot)
    assert any("#1" in m.get("text", "") for m in bot.slack.messages(TIER2_CHANNEL) if m["ts"] != moved.message_ts)


async def test_category_change_routes_to_the_category_tier(bot):
    await create_ticket(bot, "Slow dashboard", category="Login problems", priority="P2")
    await wait_for_card(bot, 1, TIER1_CHANNEL)
    answer = await ask(bot, "category #1 performance issues", user_id=AGENT)
    assert answer == "#1 is now *Performance issues*; it moved to Technical (<#C0TIER2TS>)."
    moved = await wait_for_card(bot, 1, TIER2_CHANNEL)
    assert (moved.category, moved.tier) == ("Performance issues", "tier2")
    assert await kinds(bot, 1) == ["created", "category_changed", "moved"]
    # Same tier: the card stays, with a note.
    answer = await ask(bot, "category #1 API errors", user_id=AGENT)
    assert answer == "#1 is now *API errors*."
    same = await stored(bot, 1)
    assert same.message_ts == moved.message_ts
    await until(lambda: "API errors" in card_text(bot, same))
    assert "changed the category of #1 from *Performance issues* to *API errors*" in \
        thread_texts(bot, TIER2_CHANNEL, same.message_ts)[-1]
    assert "There is no category" in await ask(bot, "category #1 Nonsense", user_id=AGENT)


async def test_move_answers_for_the_same_tier_unknown_tiers_and_triage(bot):
    await create_ticket(bot, "Cannot log in")
    await wait_for_card(bot, 1, TIER1_CHANNEL)
    assert await ask(bot, "move #1 Frontline", user_id=AGENT) == "#1 is in Frontline already."
    assert "There is no tier `tier9`" in await ask(bot, "move #1 tier9", user_id=AGENT)
    assert await ask(bot, "move #1 triage", user_id=AGENT) == "Moved #1 to Triage (<#C0TRIAGE01>)."
    await wait_for_card(bot, 1, TRIAGE_CHANNEL)
    assert "Ticket #2 not found." in await ask(bot, "move #2 tier2", user_id=AGENT)


# -- the old thread after a move ----------------------------------------------------------


def pointers(bot, channel: str, ts: str) -> list[str]:
    """The bot's answers in a moved ticket's old thread pointing to its card."""
    return [t for t in thread_texts(bot, channel, ts) if "has moved: your reply is on the ticket" in t]


async def unsent_kinds(bot, ticket_id: int) -> list[str]:
    async with bot.runtime.sessions() as db:
        found = await db.execute(select(SlaNotification.kind).where(
            SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_(None)))
        return sorted(str(kind) for kind in found.scalars())


async def test_replies_in_the_old_thread_count_and_get_one_pointer(bot, clock):
    await create_ticket(bot, "Exports time out", category="Login problems", priority="P1")
    old = await wait_for_card(bot, 1, TIER1_CHANNEL)
    assert await ask(bot, "move #1 tier2", user_id=AGENT) == "Moved #1 to Technical (<#C0TIER2TS>)."
    moved = await wait_for_card(bot, 1, TIER2_CHANNEL)
    assert any(k.startswith("first_response") for k in await unsent_kinds(bot, moved.id))
    clock.advance(timedelta(minutes=5))

    # The agent answers where they always did: under the old card. It is the first response.
    await reply(bot, old, "Checking the export job now", user=TECH)
    row = await stored(bot, 1)
    assert (row.first_response_by, row.first_response_at, row.desk_replied_at) == (TECH, clock(), clock())
    assert [(r.actor_id, r.at) for r in await rows(bot, 1, "first_response")] == [(TECH, clock())]
    assert not [k for k in await unsent_kinds(bot, row.id) if k.startswith("first_response")]
    await until(lambda: "First response" in card_text(bot, row) and f"<@{TECH}>" in card_text(bot, row))
    # ... and the old thread is pointed to the new card, once.
    await until(lambda: pointers(bot, TIER1_CHANNEL, old.message_ts), what="the pointer in the old thread")
    [pointer] = pointers(bot, TIER1_CHANNEL, old.message_ts)
    assert pointer.startswith(f":arrow_right: <@{TECH}>, #1 has moved") and moved.permalink in pointer

    # Later replies there (two at once) count too, and get no second pointer.
    clock.advance(timedelta(minutes=5))
    await asyncio.gather(reply(bot, old, "Still failing for me", user=REPORTER),
                         reply(bot, old, "Restarted the worker", user=AGENT))
    await drain(bot)
    assert len(pointers(bot, TIER1_CHANNEL, old.message_ts)) == 1
    assert [r.actor_id for r in await rows(bot, 1, "replied")][0] == TECH
    assert sorted(r.actor_id for r in await rows(bot, 1, "replied")) == sorted([TECH, REPORTER, AGENT])
    assert not pointers(bot, TIER2_CHANNEL, moved.message_ts)  # the new thread gets none


async def test_the_reporters_reply_in_the_old_thread_reopens_the_resolved_ticket(bot, clock):
    await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    old = await wait_for_card(bot, 1, TIER1_CHANNEL)
    await ask(bot, "move #1 tier2", user_id=AGENT)
    moved = await wait_for_card(bot, 1, TIER2_CHANNEL)
    await click_card(bot, moved, TicketAction.CLAIM, TECH)
    await resolve(bot, moved, user_id=TECH)
    assert (await stored(bot, 1)).status == "resolved"
    clock.advance(timedelta(hours=2))

    await reply(bot, old, "It happens again", user=REPORTER)
    row = await stored(bot, 1)
    assert is_open(row.status) and row.reopen_count == 1
    [reopened] = await rows(bot, 1, "reopened")
    assert (reopened.actor_id, reopened.detail["by_reply"]) == (REPORTER, True)
    await until(lambda: "replied after the resolution: #1 is reopened" in
                thread_texts(bot, TIER2_CHANNEL, moved.message_ts)[-1])  # told under the card
    await until(lambda: pointers(bot, TIER1_CHANNEL, old.message_ts))


# -- merge ------------------------------------------------------------------------------


async def test_merge_resolves_the_duplicate_and_links_both_ways(bot):
    await create_ticket(bot, "Checkout broken")
    bot.clock.advance(timedelta(minutes=1))
    await create_ticket(bot, "Cannot pay")
    async with bot.runtime.sessions.begin() as db:  # #2 was reported by someone else
        (await db.get(type(await stored(bot, 2)), (await stored(bot, 2)).id)).reporter_id = OTHER_REPORTER
    first, second = await wait_for_card(bot, 1, TIER1_CHANNEL), await wait_for_card(bot, 2, TIER1_CHANNEL)

    assert await ask(bot, "merge #1 into #2", user_id=AGENT) == \
        "Merged #1 into #2: #1 is resolved as a duplicate."
    duplicate = await stored(bot, 1)
    assert (duplicate.status, duplicate.merged_into_id, duplicate.resolved_by) == ("resolved", second.id, AGENT)
    assert duplicate.resolution == "Duplicate of #2: Cannot pay"
    assert (await kinds(bot, 1))[-1] == "merged" and (await kinds(bot, 2))[-1] == "duplicate_merged"
    async with bot.runtime.sessions() as db:
        [watcher] = (await db.execute(select(TicketWatcher))).scalars()
    assert (watcher.ticket_id, watcher.user_id, watcher.via_ticket_id) == (second.id, REPORTER, first.id)
    await until(lambda: dms(bot, REPORTER) and "merged into it" in dms(bot, REPORTER)[-1]["text"])
    await until(lambda: thread_texts(bot, TIER1_CHANNEL, first.message_ts)
                and thread_texts(bot, TIER1_CHANNEL, second.message_ts))
    assert second.permalink in thread_texts(bot, TIER1_CHANNEL, first.message_ts)[-1]
    assert first.permalink in thread_texts(bot, TIER1_CHANNEL, second.message_ts)[-1]
    await until(lambda: "Resolved by <@U0AGENT01>" in card_text(bot, duplicate))

    assert "#1 is already resolved." in await ask(bot, "merge #1 #2", user_id=AGENT)
    assert "cannot be merged into itself" in await ask(bot, "merge #2 #2", user_id=AGENT)
