"""A storm of SLA notices in one tier channel: one digest message there (or a few), each
ticket's thread still its own notice; exactly once across relays, retries and Slack
errors; a notice alone looks as it always did."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import build_runtime
from models.outbox import OutboxStatus
from models.tickets import Ticket
from tests.conftest import BOT_TOKEN, make_settings
from tests.outbox_steps import deliver_until_done, expire_leases, outbox
from workflows.outbox import calls as outbox_calls
from workflows.outbox.digests import DIGEST_THRESHOLD, digest_size
from workflows.block_text import MESSAGE_TEXT_MAX
from workflows.tickets.messages.form import TicketForm
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox
from workflows.outbox.relay import LEASE
from workflows.sla.engine import fire_due_notifications
from workflows.tickets.intake import NewTicket, open_ticket

TIER1 = "C0TIER1FL"
WARN_AFTER = timedelta(minutes=45)  # P1: first response 1h, warning at 0.75


def unpaced(bot, runtime=None) -> Deps:
    """The bot's dependencies with a Slack client that does not pace posts per channel
    (the pacer runs on real time: 12 notices in one channel would take seconds)."""
    deps = (runtime or bot.runtime).deps
    return dataclasses.replace(deps, slack=AsyncWebClient(token=BOT_TOKEN, base_url=bot.slack.api_url))


async def open_tickets(bot, count: int, *, summary: str = "Storm {n}", category: str = "Login problems",
                       priority: str = "P1") -> list[Ticket]:
    deps = unpaced(bot)
    tickets = []
    for n in range(count):
        form = TicketForm(summary=summary.format(n=n), description=None, category=category, priority=priority,
                          customer=None)
        # a storm: many people at once (one person may open 10 tickets a minute, app.yaml `limits`)
        ticket = await open_ticket(deps=deps, request=NewTicket(team_id="T0TEST", reporter_id=f"U0REPORTER{n:03d}",
                                                                form=form))
        tickets.append(ticket)
    return tickets


def top_level(bot, channel: str, word: str = "SLA") -> list[dict]:
    return [m for m in bot.slack.messages(channel)
            if word in (m.get("text") or "") and m.get("thread_ts") in (None, m["ts"])]


def thread_notices(bot, ticket: Ticket, word: str = "SLA warning") -> list[dict]:
    return [m for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if word in (m.get("text") or "")]


def named(texts: list[str]) -> list[int]:
    """Every ticket number a channel's messages name (``#N``, linked or not), in order."""
    return [int(n) for text in texts for n in re.findall(r"#(\d+)\b", text)]


def assert_each_thread_once(bot, tickets: list[Ticket]) -> None:
    for ticket in tickets:
        notices = thread_notices(bot, ticket)
        assert len(notices) == 1, f"#{ticket.number}: {len(notices)} notices in its thread"
        assert f"#{ticket.number}" in notices[0]["text"]


async def test_a_storm_in_one_channel_is_one_digest_there_and_a_notice_in_every_thread(bot):
    tickets = (await open_tickets(bot, 6) + await open_tickets(bot, 1, summary="A & B <!channel> <@U0BOSS>")
               + await open_tickets(bot, 7))
    bot.clock.advance(WARN_AFTER)
    assert await fire_due_notifications(deps=unpaced(bot)) == 14

    assert_each_thread_once(bot, tickets)
    posts = top_level(bot, TIER1)
    assert 1 <= len(posts) <= 2, [p["text"][:80] for p in posts]
    texts = [p["text"] for p in posts]
    assert sorted(named(texts)) == sorted(range(1, 15)), "every ticket once, none twice"
    for text in texts:
        assert text.startswith(":bell: *") and "SLA notices at once* (" in text and "warnings" in text
        assert "each ticket's thread has its own" in text
        assert len(text) <= MESSAGE_TEXT_MAX
        lines = text.split("\n")[1:]
        assert all(line.startswith("• :hourglass_flowing_sand: SLA warning — ") for line in lines)
        assert all("At risk of breaching." in line for line in lines)
    hostile = next(line for text in texts for line in text.split("\n") if "A &amp; B" in line)
    assert "&lt;!channel&gt; &lt;@U0BOSS&gt;" in hostile and "<!channel>" not in "".join(texts)
    permalinks = [t.permalink for t in tickets]
    assert all(p and any(p in text for text in texts) for p in permalinks), "each line links to its card"
    rows = await outbox(bot)
    assert all(r.status == OutboxStatus.SENT for r in rows)
    digest_rows = [r for r in rows if r.lane == TIER1 and r.payload.get("digest")]
    assert len(digest_rows) == 14 and len({r.result_ts for r in digest_rows}) == len(posts)


async def test_long_lines_make_several_digests_each_within_slack_limits(bot):
    tickets = await open_tickets(bot, 12, summary="<" * 70 + " {n}")  # 70 escaped brackets: long lines
    bot.clock.advance(WARN_AFTER)
    await fire_due_notifications(deps=unpaced(bot))
    assert_each_thread_once(bot, tickets)
    posts = top_level(bot, TIER1)
    assert len(posts) >= 2
    assert all(len(p["text"]) <= MESSAGE_TEXT_MAX and not p.get("blocks") for p in posts)
    assert sorted(named([p["text"] for p in posts])) == [t.number for t in tickets]
    assert all(p["text"].startswith(":bell: *") for p in posts), "no tail of the storm posted one by one"


async def test_a_single_notice_is_posted_as_before(bot):
    [ticket] = await open_tickets(bot, 1)
    bot.clock.advance(WARN_AFTER)
    assert await fire_due_notifications(deps=bot.runtime.deps) == 1
    [thread] = thread_notices(bot, ticket)
    [post] = top_level(bot, TIER1)
    assert post["text"] == thread["text"]
    assert post["text"].startswith(":hourglass_flowing_sand: SLA warning — ")
    [call] = [c for c in bot.slack.calls_to("chat.postMessage") if "SLA" in c.args.get("text", "")
              and not c.args.get("thread_ts")]
    assert set(call.args) == {"channel", "text", "unfurl_links"}, "nothing but what Slack is sent today"


async def test_below_the_threshold_each_notice_is_its_own_message(bot):
    tickets = await open_tickets(bot, DIGEST_THRESHOLD - 1)
    bot.clock.advance(WARN_AFTER)
    await fire_due_notifications(deps=unpaced(bot))
    assert_each_thread_once(bot, tickets)
    posts = top_level(bot, TIER1)
    assert [named([p["text"]]) for p in posts] == [[t.number] for t in tickets]
    assert not any(p["text"].startswith(":bell:") for p in posts)


async def test_management_notices_of_a_storm_are_one_digest_in_the_management_channel(bot, config):
    tickets = await open_tickets(bot, 6, priority="P0")
    management = config.tier("tier4").channel
    bot.clock.advance(timedelta(hours=9))  # everything overdue: breaches, escalations, management notices
    deps = unpaced(bot)
    for _ in range(5):
        await fire_due_notifications(deps=deps)
    await deliver_until_done(bot, deps)
    posts = top_level(bot, management, "Management notice")
    assert len(posts) == 1 and "6 SLA notices at once* (" in posts[0]["text"]
    assert "6 management notices" in posts[0]["text"] and "thread" not in posts[0]["text"].split("\n")[0]
    assert sorted(named([posts[0]["text"]])) == [t.number for t in tickets]


async def test_a_transient_error_on_a_digest_delivers_all_its_notices_once_later(bot):
    tickets = await open_tickets(bot, 8)
    bot.clock.advance(WARN_AFTER)
    # The first post is ticket #1's thread notice; the next, the digest, meets a 500.
    bot.slack.after_next("chat.postMessage", lambda _answer: bot.slack.fail_next("chat.postMessage", status=500))
    deps = unpaced(bot)
    await fire_due_notifications(deps=deps)

    assert top_level(bot, TIER1) == []
    rows = [r for r in await outbox(bot) if r.payload.get("digest")]
    assert len(rows) == 8
    assert all(r.status == OutboxStatus.PENDING and r.lease_until is None for r in rows)
    assert len({r.not_before for r in rows}) == 1 and rows[0].not_before > bot.clock(), "postponed together"
    assert all(r.last_error == "internal_error" and r.attempts == 1 for r in rows)
    assert len(thread_notices(bot, tickets[0])) == 1
    assert all(not thread_notices(bot, t) for t in tickets[1:]), "the lane waits behind its head"

    await deliver_until_done(bot, deps)
    assert_each_thread_once(bot, tickets)
    [post] = top_level(bot, TIER1)
    assert sorted(named([post["text"]])) == [t.number for t in tickets]
    failed = [c for c in bot.slack.calls_to("chat.postMessage") if not c.ok]
    assert len(failed) == 1


async def test_a_crash_while_a_digest_is_sent_leaves_its_leases_to_expire_then_it_goes_once(bot, monkeypatch):
    tickets = await open_tickets(bot, 6)
    bot.clock.advance(WARN_AFTER)
    real_call = outbox_calls._call

    async def crash_on_the_digest(slack, call):
        if call.args.get("text", "").startswith(":bell:"):
            raise asyncio.CancelledError  # the process dies while Slack is being called
        return await real_call(slack, call)

    monkeypatch.setattr("workflows.outbox.calls._call", crash_on_the_digest)
    deps = unpaced(bot)
    with pytest.raises(asyncio.CancelledError):
        await fire_due_notifications(deps=deps)
    monkeypatch.undo()
    rows = [r for r in await outbox(bot) if r.payload.get("digest")]
    assert len(rows) == 6 and all(r.status == OutboxStatus.PENDING for r in rows)
    assert len({r.lease_until for r in rows}) == 1 and rows[0].lease_until is not None, "leased together"

    bot.clock.advance(LEASE + timedelta(seconds=1))  # the domain's clock does not expire a lease
    await deliver_outbox(deps)  # another relay, before the lease has expired: nothing of that lane
    assert top_level(bot, TIER1) == [] and all(not thread_notices(bot, t) for t in tickets[1:])

    assert await expire_leases(bot.runtime.sessions) == 6  # the database's clock passes it
    await deliver_until_done(bot, deps)
    assert_each_thread_once(bot, tickets)
    [post] = top_level(bot, TIER1)
    assert sorted(named([post["text"]])) == [t.number for t in tickets]


async def test_two_replicas_relaying_a_storm_send_every_notice_once(bot, database_url, fake_slack, clock, config):
    tickets = await open_tickets(bot, 12) + await open_tickets(bot, 6, category="Performance issues")
    other = build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config, clock=clock)
    try:
        mine, theirs = unpaced(bot), unpaced(bot, other)
        clock.advance(WARN_AFTER)
        fake_slack.fail_next("chat.postMessage", status=503, times=2)
        await asyncio.gather(fire_due_notifications(deps=mine), fire_due_notifications(deps=theirs),
                             deliver_outbox(mine), deliver_outbox(theirs), deliver_outbox(mine))
        for _ in range(10):
            await asyncio.gather(deliver_outbox(mine), deliver_outbox(theirs), deliver_outbox(theirs))
            if all(r.status == OutboxStatus.SENT for r in await outbox(bot)):
                break
            clock.advance(timedelta(seconds=5))
    finally:
        await other.close()
    assert_each_thread_once(bot, tickets)
    tier2 = config.tier("tier2").channel
    for channel, group in ((TIER1, tickets[:12]), (tier2, tickets[12:])):
        texts = [p["text"] for p in top_level(bot, channel)]
        assert sorted(named(texts)) == sorted(t.number for t in group), f"{channel}: each ticket named once"
    assert any(p["text"].startswith(":bell:") for p in top_level(bot, TIER1)), "folded into digests"
    assert all(r.status == OutboxStatus.SENT for r in await outbox(bot))


def test_digest_size_fits_the_budget_and_splits_a_short_tail_evenly():
    assert digest_size(["x" * 100] * 3) == 3
    assert digest_size(["x" * 100] * 40) == 20
    assert digest_size(["x" * 100] * 22) == 11, "20 + 2 would leave 2 alone: 11 + 11"
    assert digest_size(["x" * 500] * 12) == 5
    assert digest_size(["x" * 500] * 7) == 2, "5 + 2 would post 2 alone: 2 + 5"
    assert digest_size(["x" * 500] * 6) == 5, "nothing better than 5 + 1"
    assert digest_size(["x" * 5000]) == 1
