"""`/ticket priority #N P1`: new due times from the creation time, the SLA timers re-armed
(the old priority's pending notifications gone, the new ones fired on time), the card,
the timeline and the thread told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.sla import SlaNotification
from tests.sla_steps import AGENT, ask, card_field, fire, reload, shown, thread_texts, timeline
from tests.ticket_steps import create_ticket
from tests.policies import policy_without_matrix
from workflows.tickets.messages.resolve_form import ResolutionForm
from workflows.tickets.lifecycle import resolve_ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def config():
    """The example policy without its escalation matrix (#18), whose timed escalations,
    tier clocks and pages on open would add to the timelines this file counts."""
    return policy_without_matrix()


async def pending(bot, ticket) -> list[tuple[str, datetime]]:
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(SlaNotification).where(
            SlaNotification.ticket_id == ticket.id, SlaNotification.claimed_at.is_(None))
            .order_by(SlaNotification.due_at))).scalars()
        return [(row.kind.value, row.due_at) for row in rows]


async def test_p3_to_p1_rearms_and_the_new_timers_fire_on_time(bot, config, clock):
    ticket = await create_ticket(bot, "Login loop", category="Login problems", priority="P3")
    created = ticket.created_at
    # P3 counts working time: 24h from Wed 10:00 New York (Thanksgiving and the 27th off) is Tue 14:00.
    assert ticket.first_response_due_at == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    clock.advance(10 * M)
    answer = await ask(bot, f"priority #{ticket.number} p1")
    assert answer["text"] == f"#{ticket.number} is now P1; its SLA due times were computed again."

    stored = await reload(bot, ticket.id)
    assert stored.priority == "P1"
    assert (stored.first_response_due_at, stored.resolution_due_at) == (created + H, created + 8 * H)
    assert await pending(bot, ticket) == [
        ("first_response_warning", created + 45 * M), ("first_response_breach", created + H),
        ("management_notice", created + 4 * H), ("resolution_warning", created + 6 * H),
        ("resolution_breach", created + 8 * H),
    ]
    [event] = await timeline(bot, ticket, "priority_changed")
    assert (event.actor_id, event.detail["from"], event.detail["to"]) == (AGENT, "P3", "P1")
    [note] = thread_texts(bot, ticket, "changed the priority")
    assert f"<@{AGENT}> changed the priority of #{ticket.number} from *P3 · Low* to *P1 · High*" in note
    assert "P1 · High" in card_field(bot, ticket, "Priority")
    assert "On track · due in 50m" in card_field(bot, ticket, "First response")

    clock.set(created + 45 * M - timedelta(seconds=1))
    assert await fire(bot) == 0
    clock.set(created + 45 * M)
    assert await fire(bot) == 1
    assert "first response due in 15m" in thread_texts(bot, ticket, "SLA warning")[0]
    assert "At risk · due in 15m" in card_field(bot, ticket, "First response")
    status = shown(await ask(bot, f"#{ticket.number}"))  # `/ticket #N` says the same
    assert "First response due in 15m · *At risk*" in status and "Resolution due in 7h 15m · *On track*" in status

    clock.set(created + H)
    assert await fire(bot) == 1
    [breach] = thread_texts(bot, ticket, "SLA breached")
    assert "first response overdue" in breach and "Escalated automatically" in breach and "sent late" not in breach
    assert "Breached · overdue now" in card_field(bot, ticket, "First response")
    assert (await reload(bot, ticket.id)).tier == config.next_tier("Login problems", "tier1").id


async def test_targets_already_missed_under_the_new_priority_fire_at_once_not_as_late(bot, clock):
    ticket = await create_ticket(bot, priority="P3")
    created = ticket.created_at
    clock.advance(30 * M)
    await ask(bot, f"priority #{ticket.number} P0")  # first response was due 15 minutes after creation
    kinds = [kind for kind, _ in await pending(bot, ticket)]
    assert "first_response_warning" not in kinds  # its breach is past too: the breach says it all
    assert await pending(bot, ticket) == [
        ("first_response_breach", clock()), ("resolution_warning", created + 90 * M),
        ("resolution_breach", created + 2 * H), ("management_notice", created + 4 * H),
    ]
    assert await fire(bot) == 1
    [breach] = thread_texts(bot, ticket, "SLA breached")
    assert "first response overdue since <!date^" + str(int((created + 15 * M).timestamp())) in breach
    assert "sent late" not in breach
    assert await fire(bot) == 0


async def test_pauses_count_under_the_new_priority_too(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    created = ticket.created_at
    clock.advance(H)
    await ask(bot, f"wait #{ticket.number}")
    clock.advance(2 * H)
    await ask(bot, f"resume #{ticket.number}")
    assert (await reload(bot, ticket.id)).resolution_due_at == created + 10 * H
    await ask(bot, f"priority #{ticket.number} P0")
    stored = await reload(bot, ticket.id)
    assert stored.resolution_due_at == created + 2 * H + 2 * H  # P0's 2h, plus the 2h paused
    assert stored.first_response_due_at == created + 15 * M


async def test_unknown_priority_resolved_ticket_and_same_priority(bot, clock):
    ticket = await create_ticket(bot, priority="P2")
    answer = await ask(bot, f"priority #{ticket.number} P9")
    assert answer["text"] == (":warning: `P9` is not a priority. Priorities: `P0` (Critical), `P1` (High), "
                              "`P2` (Medium), `P3` (Low).")
    answer = await ask(bot, f"priority #{ticket.number} <!here>")
    assert "&lt;!here&gt;" in answer["text"] and "<!here>" not in answer["text"]
    answer = await ask(bot, f"priority #{ticket.number} P2")
    assert answer["text"] == f"#{ticket.number} is already P2 · Medium."
    answer = await ask(bot, "priority #77 P1")
    assert answer["text"] == ":warning: Ticket #77 not found."
    assert not await timeline(bot, ticket, "priority_changed")

    await resolve_ticket(deps=bot.runtime.deps, team_id="T0TEST", ticket_id=ticket.id, actor_id=AGENT,
                         form=ResolutionForm(resolution="done", root_cause=None, follow_up=None))
    answer = await ask(bot, f"priority #{ticket.number} P0")
    assert answer["text"] == f":warning: #{ticket.number} is resolved; reopen it first to change its priority."
    assert (await reload(bot, ticket.id)).priority == "P2"
    answer = await ask(bot, "priority #1")
    assert answer["text"] == ":warning: Say which ticket and which priority, e.g. `/ticket priority #42 P1`."
