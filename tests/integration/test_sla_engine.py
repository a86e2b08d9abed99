"""The SLA engine with a moved clock: warnings, breaches, escalation, exactly once."""

from __future__ import annotations

import dataclasses
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from bot.deadline_timer import run_deadline_timers
from models.sla import SlaNotification
from models.tickets import Ticket, TicketEvent
from tests.ticket_steps import create_ticket
from tests.waiting import drain, until
from tests.policies import policy_without_matrix
from workflows.sla.engine import fire_due_notifications

AGENT = "U0AGENT"


@pytest.fixture
def config():
    """The example policy without its escalation matrix (#18), whose timed escalations,
    tier clocks and pages on open would add to the timelines this file counts."""
    return policy_without_matrix()


def notices(bot, channel: str, word: str) -> list[dict]:
    """Top-level messages in ``channel`` (not thread replies) that contain ``word``."""
    return [m for m in bot.slack.messages(channel)
            if word in (m.get("text") or "") and m.get("thread_ts") in (None, m["ts"])]


def thread_notices(bot, ticket: Ticket, word: str) -> list[dict]:
    return [m for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if word in (m.get("text") or "")]


async def fire(bot) -> int:
    return await fire_due_notifications(deps=bot.runtime.deps)


async def reload(bot, ticket_id: int) -> Ticket:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).where(Ticket.id == ticket_id))).scalar_one()


async def test_p1_warning_then_breach_with_automatic_escalation_each_once(bot, config, clock):
    ticket = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
    tier = config.tier(ticket.tier)
    clock.advance(timedelta(minutes=44))
    assert await fire(bot) == 0
    clock.advance(timedelta(minutes=1))
    assert await fire(bot) == 1
    assert await fire(bot) == 0
    warning = notices(bot, tier.channel, "SLA warning")
    assert len(warning) == 1 and len(thread_notices(bot, ticket, "SLA warning")) == 1
    assert "first response due in 15m" in warning[0]["text"] and "nobody has replied" in warning[0]["text"]
    assert f"#{ticket.number}" in warning[0]["text"]

    clock.advance(timedelta(minutes=15))
    await fire(bot)
    await fire(bot)
    next_tier = config.next_tier("Payment failed", tier.id)
    breach = notices(bot, tier.channel, "SLA breached")
    assert len(breach) == 1 and len(thread_notices(bot, ticket, "SLA breached")) == 1
    assert "first response overdue" in breach[0]["text"]
    assert f"Escalated automatically to *{next_tier.name}*" in breach[0]["text"]
    assert "sent late" not in breach[0]["text"]
    requests = [m for m in bot.slack.messages(next_tier.channel) if "Escalation request" in m["text"]]
    assert len(requests) == 1
    assert not notices(bot, next_tier.channel, "SLA breached")
    assert not thread_notices(bot, ticket, "escalated #")  # no second message in the thread
    moved = await reload(bot, ticket.id)
    assert moved.tier == next_tier.id
    async with bot.runtime.sessions() as db:
        kinds = [e.kind for e in (await db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                                  .order_by(TicketEvent.id))).scalars()]
    assert kinds == ["created", "sla_warning", "escalated", "sla_breach", "paged"]


async def test_first_response_before_the_warning_cancels_warning_and_breach(bot, config, clock):
    ticket = await create_ticket(bot, priority="P1")
    clock.advance(timedelta(minutes=10))
    await bot.sender.event({"type": "message", "channel": ticket.channel_id, "user": AGENT, "text": "on it",
                            "ts": "1800000000.000200", "thread_ts": ticket.message_ts})
    async def first_response() -> bool:
        return (await reload(bot, ticket.id)).first_response_at is not None
    await until(first_response, what="the first response recorded")
    await drain(bot)
    clock.advance(timedelta(hours=1))
    await fire(bot)
    assert not thread_notices(bot, ticket, "first response")


async def test_overdue_notifications_after_downtime_are_sent_once_and_marked_late(bot, config, clock):
    ticket = await create_ticket(bot, category="Login problems", priority="P1")
    clock.advance(timedelta(hours=9))  # warning, breach, management notice, resolution warning+breach all due
    await run_deadline_timers(bot.runtime)
    await run_deadline_timers(bot.runtime)
    texts = [m["text"] for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if "SLA" in m["text"]]
    assert len(texts) == 4  # first-response warning + breach, resolution warning + breach
    assert all("sent late" in t for t in texts)
    management = config.tier("tier4").channel
    assert len(notices(bot, management, "Management notice")) == 1


async def test_management_is_notified_when_a_p0_is_open_after_4_hours(bot, config, clock):
    ticket = await create_ticket(bot, category="Login problems", priority="P0")
    await bot.sender.event({"type": "message", "channel": ticket.channel_id, "user": AGENT, "text": "looking",
                            "ts": "1800000000.000300", "thread_ts": ticket.message_ts})
    await bot.runtime.drain()  # every listener has finished
    clock.advance(timedelta(hours=4))
    await fire(bot)
    notice = notices(bot, config.tier("tier4").channel, "Management notice")
    assert len(notice) == 1 and "still unresolved after 4h" in notice[0]["text"]


async def test_p2_clock_counts_business_hours_only(bot, config, clock):
    # Wednesday 10:00 New York; P2 first response 4h, warning at 3h of working time.
    ticket = await create_ticket(bot, category="Login problems", priority="P2")
    assert ticket.first_response_due_at == clock() + timedelta(hours=4)
    clock.advance(timedelta(hours=3))
    await fire(bot)
    assert len(thread_notices(bot, ticket, "SLA warning")) == 1
    clock.advance(timedelta(hours=1))
    await fire(bot)
    breach = thread_notices(bot, ticket, "SLA breached")
    assert len(breach) == 1
    assert "Escalated" not in breach[0]["text"] and "paged" not in breach[0]["text"]  # P2: no escalation, no page


async def test_two_engines_on_one_database_send_each_notification_once(bot, database_url, clock):
    ticket = await create_ticket(bot, priority="P1")
    second_engine = make_engine(database_url)
    try:
        other = dataclasses.replace(bot.runtime.deps, sessions=make_session_factory(second_engine))
        clock.advance(timedelta(hours=9))
        counts = await asyncio.gather(fire_due_notifications(deps=bot.runtime.deps), fire_due_notifications(deps=other),
                                      fire_due_notifications(deps=bot.runtime.deps), fire_due_notifications(deps=other))
    finally:
        await second_engine.dispose()
    assert sum(counts) == 5
    texts = [m["text"] for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if "SLA" in m["text"]]
    assert len(texts) == len(set(texts)) == 4
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(SlaNotification).where(SlaNotification.ticket_id == ticket.id))).scalars().all()
    assert all(r.claimed_at is not None for r in rows)


async def test_resolving_stops_the_clocks_and_reopening_restarts_resolution(bot, config, clock):
    from workflows.tickets.messages.resolve_form import ResolutionForm
    from workflows.tickets.lifecycle import reopen_ticket, resolve_ticket

    ticket = await create_ticket(bot, category="Login problems", priority="P1")
    deps = bot.runtime.deps
    await resolve_ticket(deps=deps, team_id="T0TEST", ticket_id=ticket.id, actor_id=AGENT,
                         form=ResolutionForm(resolution="reset done", root_cause=None, follow_up=None))
    clock.advance(timedelta(hours=9))
    assert await fire(bot) == 0
    reopened = await reopen_ticket(deps=deps, team_id="T0TEST", ticket_id=ticket.id, actor_id="U0REPORTER")
    assert reopened.resolution_due_at == clock() + timedelta(hours=8)
    clock.advance(timedelta(hours=8))
    await fire(bot)
    breach = thread_notices(bot, ticket, "resolution overdue")
    assert len(breach) == 1 and "sent late" not in breach[0]["text"]
