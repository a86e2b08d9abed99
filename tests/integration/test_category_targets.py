"""A category change re-targets the SLA clocks the categories' overrides govern (#19):
due times from the ticket's start under the new category's targets, pending warnings and
breaches planned again (sent ones stay sent), the timeline and the thread told; a change
between categories without overrides leaves the due times alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.sla import SlaNotification
from tests.lifecycle_steps import (
    AGENT,
    TIER1_CHANNEL,
    TIER2_CHANNEL,
    ask,
    policy,
    rows,
    stored,
    thread_texts,
    wait_for_card,
)
from tests.policies import without_matrix
from tests.sla_steps import fire, reply
from tests.ticket_steps import create_ticket
from tests.waiting import drain, until

M = timedelta(minutes=1)
H = timedelta(hours=1)


def _tight(data) -> None:
    """Payment failed (tier1) and Account compromise (tier2) answer faster than their
    priority says; no escalation matrix, whose timed rows would add to the plans."""
    without_matrix(data)
    for category in data["categories"]:
        if category["name"] in ("Payment failed", "Account compromise"):
            category.update(first_response="20m", resolution="4h")


pytestmark = pytest.mark.parametrize("config", [policy(_tight)])


async def unsent(bot, ticket_id: int) -> list[tuple[str, object]]:
    """The ticket's SLA warnings and breaches not sent yet (not the management notice,
    which counts from creation whatever the targets)."""
    async with bot.runtime.sessions() as db:
        found = await db.execute(select(SlaNotification).where(
            SlaNotification.ticket_id == ticket_id, SlaNotification.claimed_at.is_(None))
            .order_by(SlaNotification.due_at))
        return [(str(n.kind), n.due_at) for n in found.scalars() if str(n.kind).endswith(("_warning", "_breach"))]


def warnings(bot, channel: str, ts: str) -> list[str]:
    return [t for t in thread_texts(bot, channel, ts) if "SLA warning" in t]


async def test_a_tighter_category_moves_the_due_times_and_the_warning_fires_then(bot, clock):
    await create_ticket(bot, "Card declined", category="Login problems", priority="P1")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    created = ticket.created_at
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (created + H, created + 8 * H)
    clock.advance(10 * M)

    answer = await ask(bot, "category #1 Payment failed", user_id=AGENT)
    assert answer == "#1 is now *Payment failed*; its SLA due times were computed again."
    row = await stored(bot, 1)
    assert (row.category, row.created_at) == ("Payment failed", created)
    assert (row.first_response_due_at, row.resolution_due_at) == (created + 20 * M, created + 4 * H)
    assert await unsent(bot, row.id) == [
        ("first_response_warning", created + 15 * M), ("first_response_breach", created + 20 * M),
        ("resolution_warning", created + 3 * H), ("resolution_breach", created + 4 * H)]
    [changed] = await rows(bot, 1, "category_changed")
    assert changed.detail == {
        "from": "Login problems", "to": "Payment failed",
        "first_response_due_at": {"from": (created + H).isoformat(), "to": (created + 20 * M).isoformat()},
        "resolution_due_at": {"from": (created + 8 * H).isoformat(), "to": (created + 4 * H).isoformat()}}
    await until(lambda: any("changed the category" in t for t in thread_texts(bot, TIER1_CHANNEL, row.message_ts)))
    [note] = [t for t in thread_texts(bot, TIER1_CHANNEL, row.message_ts) if "changed the category" in t]
    assert "from *Login problems* to *Payment failed*. Now first response due" in note
    assert "resolution due" in note

    # The warning comes at the new time: 15 minutes in, not 45.
    clock.advance(4 * M)
    assert await fire(bot) == 0
    clock.advance(M)
    assert await fire(bot) == 1
    await drain(bot)
    [warning] = warnings(bot, TIER1_CHANNEL, row.message_ts)
    assert "first response due in 5m" in warning


async def test_sent_notices_stay_sent_and_a_given_first_response_still_counts(bot, clock):
    await create_ticket(bot, "Strange logins", category="Login problems", priority="P1")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    created = ticket.created_at
    clock.advance(45 * M)
    assert await fire(bot) == 1  # the first-response warning, under the old target
    await reply(bot, ticket, "Looking into it", user=AGENT)  # the first response, in time
    clock.advance(5 * H)  # 5h50m in: past the new resolution target of 4h

    await ask(bot, "category #1 Account compromise", user_id=AGENT)  # tier2: the ticket moves
    moved = await wait_for_card(bot, 1, TIER2_CHANNEL)
    assert (moved.first_response_at, moved.first_response_by) == (created + 45 * M, AGENT)
    assert (moved.first_response_due_at, moved.resolution_due_at) == (created + 20 * M, created + 4 * H)
    # No first-response notice again (answered); the resolution ones the new target put in
    # the past are owed now: the breach only, its warning being past too.
    assert await unsent(bot, moved.id) == [("resolution_breach", clock())]
    await fire(bot)  # (and the management notice, 4h after the opening)
    await drain(bot)
    assert [e.detail["notification"] for e in await rows(bot, 1, "sla_warning")] == ["first_response_warning"]
    assert [e.detail["notification"] for e in await rows(bot, 1, "sla_breach")] == ["resolution_breach"]
    await until(lambda: thread_texts(bot, TIER2_CHANNEL, moved.message_ts))
    first_note = thread_texts(bot, TIER2_CHANNEL, moved.message_ts)[0]
    assert "category *Account compromise*" in first_note and "Now resolution due" in first_note
    assert "first response due" not in first_note  # answered already


async def test_a_category_without_overrides_leaves_the_due_times(bot, clock):
    await create_ticket(bot, "Page broken", category="Login problems", priority="P1")
    ticket = await wait_for_card(bot, 1, TIER1_CHANNEL)
    created = ticket.created_at
    planned = await unsent(bot, ticket.id)
    clock.advance(10 * M)

    assert await ask(bot, "category #1 Bug report", user_id=AGENT) == "#1 is now *Bug report*."
    row = await stored(bot, 1)
    assert (row.first_response_due_at, row.resolution_due_at) == (created + H, created + 8 * H)
    assert await unsent(bot, row.id) == planned
    [changed] = await rows(bot, 1, "category_changed")
    assert changed.detail == {"from": "Login problems", "to": "Bug report"}
    await until(lambda: any("changed the category" in t for t in thread_texts(bot, TIER1_CHANNEL, row.message_ts)))
    [note] = [t for t in thread_texts(bot, TIER1_CHANNEL, row.message_ts) if "changed the category" in t]
    assert "Now" not in note

    # Out of a category with overrides, the priority's own targets apply again.
    await ask(bot, "category #1 Payment failed", user_id=AGENT)
    assert (await stored(bot, 1)).first_response_due_at == created + 20 * M
    answer = await ask(bot, "category #1 Refund request", user_id=AGENT)
    assert answer == "#1 is now *Refund request*; its SLA due times were computed again."
    row = await stored(bot, 1)
    assert (row.first_response_due_at, row.resolution_due_at) == (created + H, created + 8 * H)
