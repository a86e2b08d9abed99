"""Waiting on the customer: the card button and `/ticket wait #N` pause the resolution
clock; the reporter's reply in the thread resumes it, the due time shifted by exactly the
paused span (working time for business-hours priorities)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from workflows.tickets.ids import TicketAction
from models.sla import SlaNotification
from tests.sla_steps import (
    AGENT,
    ask,
    card_buttons,
    card_field,
    click,
    fire,
    reload,
    reply,
    thread_texts,
    timeline,
)
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts
from workflows.tickets.messages.resolve_form import ResolutionForm
from workflows.tickets.lifecycle import resolve_ticket


def resolution_notices(bot, ticket) -> list[str]:
    return [t for t in thread_texts(bot, ticket, "SLA") if "resolution" in t]


async def pending(bot, ticket) -> set[str]:
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(SlaNotification).where(
            SlaNotification.ticket_id == ticket.id, SlaNotification.claimed_at.is_(None)))).scalars()
        return {row.kind.value for row in rows}


async def test_waiting_pauses_and_the_reporters_reply_resumes_shifted_by_the_paused_span(bot, clock):
    ticket = await create_ticket(bot, "Export fails", priority="P1")
    due = ticket.resolution_due_at
    assert due == clock() + timedelta(hours=8)
    clock.advance(timedelta(minutes=5))
    await reply(bot, ticket, "Which browser?", user=AGENT)  # first response
    clock.advance(timedelta(minutes=55))
    paused_at = clock()
    assert await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER) is None

    waiting = await reload(bot, ticket.id)
    assert waiting.waiting_since == paused_at and waiting.resolution_due_at == due
    assert {"resolution_warning", "resolution_breach"}.isdisjoint(await pending(bot, ticket))
    assert "Waiting on customer since <!date^" in card_field(bot, ticket, "Status")
    assert "Paused (waiting on customer)" in card_field(bot, ticket, "Resolution")
    assert card_buttons(bot, ticket) == ["Claim", "Escalate", "Declare incident", "Resume", "Resolve", "Merge into…"]
    assert thread_texts(bot, ticket, "is waiting on the customer")
    [paused] = await timeline(bot, ticket, "waiting_on_customer")
    assert (paused.actor_id, paused.at) == (AGENT, paused_at)

    clock.advance(timedelta(hours=9))  # well past the original resolution due time
    await fire(bot)
    assert not resolution_notices(bot, ticket)  # no warning, no breach while waiting

    await reply(bot, ticket, "Firefox 128, still failing", user=REPORTER)
    resumed = await reload(bot, ticket.id)
    assert resumed.waiting_since is None
    assert resumed.resolution_due_at == due + timedelta(hours=9)  # exactly the paused span
    assert resumed.paused_seconds == 9 * 3600
    [event] = await timeline(bot, ticket, "resumed")
    assert (event.actor_id, event.detail["paused_seconds"], event.detail["by_reply"]) == (REPORTER, 9 * 3600, True)
    [note] = thread_texts(bot, ticket, "runs again")
    assert f"<@{REPORTER}> replied" in note and "after 9h waiting on the customer" in note
    assert card_buttons(bot, ticket) == ["Claim", "Escalate", "Declare incident", "Waiting on customer", "Resolve",
                                         "Merge into…"]
    assert "On track · due in 7h" in card_field(bot, ticket, "Resolution")

    await reply(bot, ticket, "Thanks, looking", user=AGENT)  # answers the reporter: no next-response breach
    clock.set(resumed.resolution_due_at - timedelta(hours=2))  # 0.75 of the 8h target, pause excluded
    await fire(bot)
    assert len(thread_texts(bot, ticket, "SLA warning")) == 1
    assert "resolution due in 2h" in thread_texts(bot, ticket, "SLA warning")[0]
    clock.set(resumed.resolution_due_at - timedelta(seconds=1))
    await fire(bot)
    assert not thread_texts(bot, ticket, "SLA breached")
    clock.set(resumed.resolution_due_at)
    await fire(bot)
    await fire(bot)
    [breach] = thread_texts(bot, ticket, "SLA breached")
    assert "resolution overdue" in breach and "sent late" not in breach


async def test_second_click_says_already_waiting_and_resume_button_resumes(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER)
    # A second click (from a card rendered before the first one) changes nothing.
    answer = await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER, "U0OTHER")
    assert answer["text"].startswith(f"#{ticket.number} is already waiting on the customer (since <!date^")
    answer = await ask(bot, f"wait #{ticket.number}")
    assert answer["text"].startswith(f"#{ticket.number} is already waiting on the customer (since <!date^")
    assert len(await timeline(bot, ticket, "waiting_on_customer")) == 1

    clock.advance(timedelta(minutes=30))
    assert await click(bot, ticket, TicketAction.RESUME) is None
    stored = await reload(bot, ticket.id)
    assert stored.waiting_since is None and stored.resolution_due_at == ticket.resolution_due_at + timedelta(minutes=30)
    [event] = await timeline(bot, ticket, "resumed")
    assert event.actor_id == AGENT and event.detail["by_reply"] is False
    assert any(f"<@{AGENT}> resumed #{ticket.number}" in t for t in thread_texts(bot, ticket, "runs again"))
    answer = await click(bot, ticket, TicketAction.RESUME)  # a stale card: it says "Waiting on customer" again
    assert answer["text"] == f"#{ticket.number} is not waiting on the customer."
    answer = await ask(bot, f"resume #{ticket.number}")
    assert answer["text"] == f"#{ticket.number} is not waiting on the customer."


async def test_slash_ticket_wait_pauses_and_a_resolved_ticket_cannot_wait(bot, clock):
    ticket = await create_ticket(bot, priority="P2")
    answer = await ask(bot, f"wait #{ticket.number}")
    assert "is waiting on the customer" in answer["text"]
    assert (await reload(bot, ticket.id)).waiting_since == clock()
    assert "Paused (waiting on customer)" in card_field(bot, ticket, "Resolution")

    other = await create_ticket(bot, "Second", priority="P2")
    await resolve_ticket(deps=bot.runtime.deps, team_id="T0TEST", ticket_id=other.id, actor_id=AGENT,
                         form=ResolutionForm(resolution="done", root_cause=None, follow_up=None))
    answer = await ask(bot, f"wait #{other.number}")
    assert answer["text"] == f":warning: #{other.number} is resolved; there is nothing to wait for."
    assert not await timeline(bot, other, "waiting_on_customer")
    answer = await ask(bot, "wait #99")
    assert answer["text"] == ":warning: Ticket #99 not found."


async def test_resolving_while_waiting_ends_the_pause(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    await ask(bot, f"wait #{ticket.number}")
    clock.advance(timedelta(hours=1))
    await resolve_ticket(deps=bot.runtime.deps, team_id="T0TEST", ticket_id=ticket.id, actor_id=AGENT,
                         form=ResolutionForm(resolution="done", root_cause=None, follow_up=None))
    stored = await reload(bot, ticket.id)
    assert stored.waiting_since is None and stored.paused_seconds == 3600
    assert "Met" in card_field(bot, ticket, "Resolution")


async def test_business_hours_pause_over_a_weekend_shifts_by_the_paused_working_time(bot, clock):
    # P2, 24h of working time (08:00-18:00 New York, Thanksgiving and the 27th off):
    # created Wed 2026-11-25 10:00 -> due Tue 12-01 14:00.
    ticket = await create_ticket(bot, priority="P2")
    ny = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # Tue 14:00 EST
    assert ticket.resolution_due_at == ny
    clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))  # Wed 16:00: 2h of Wednesday left
    await ask(bot, f"wait #{ticket.number}")
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Mon 09:00: 1h of Monday gone
    await fire(bot)
    assert not resolution_notices(bot, ticket)
    await reply(bot, ticket, "Here are the logs", user=REPORTER)
    stored = await reload(bot, ticket.id)
    # Paused working time: Wed 16-18 and Mon 08-09 = 3h, so due Tue 17:00 EST.
    assert stored.resolution_due_at == ny + timedelta(hours=3)
    assert stored.paused_seconds == int((clock() - datetime(2026, 11, 25, 21, 0, tzinfo=UTC)).total_seconds())


async def test_user_typed_text_stays_escaped_on_the_card_and_in_the_bots_messages(bot, clock):
    ticket = await create_ticket(bot, "<!channel> broken <@U0BOSS>", priority="P1", customer="<!here>")
    await click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER)
    await reply(bot, ticket, "<!channel> any news?", user=REPORTER)
    assert "&lt;!here&gt;" in card_field(bot, ticket, "Customer")
    for message in bot.slack.messages(ticket.channel_id):  # the card, the notes in its thread
        shown = " ".join([message.get("text") or "", *mrkdwn_texts(message.get("blocks") or [])])
        assert "<!channel>" not in shown and "<!here>" not in shown and "<@U0BOSS>" not in shown
