"""Ticket lists: the line and status-card builders, the queue and home scopes (pure), and
the queries of models/ticket_lists.py against a real database (SQLite or Postgres)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.database import make_engine, make_session_factory, upgrade_database
from models.ticket_lists import (
    TicketList,
    claimed_open_tickets,
    open_queue,
    open_tickets_of_user,
    reported_open_tickets,
    resolved_tickets_of_user,
    tickets_by_number,
    tiers_of_claimed_tickets,
)
from models.tickets import Ticket, TicketStatus
from tests.fakes.slack_views import validate_message_blocks, validate_view
from tests.ticket_steps import mrkdwn_texts
from workflows.home.publish import HomeQueue, home_queues
from workflows.home.messages import HOME_BLOCKS_MAX, HomeSection, build_home_view
from workflows.tickets.messages.lists import (
    build_ticket_list_blocks,
    build_ticket_status_message,
    open_clocks,
    pack_lines,
    sla_status,
    ticket_line,
)
from workflows.errors import InvalidRequest
from workflows.tickets.lookup import queue_scope
from tests.policies import example_policy

CONFIG = example_policy()
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PERMALINK = "https://fake.slack.com/archives/C0TIER1FL/p1700000000000100"


def _ticket(number: int = 1, **overrides) -> Ticket:
    values = dict(
        team_id="T1", number=number, summary=f"Ticket {number}", description=None, category="Login problems",
        priority="P1", tier="tier1", status=TicketStatus.NEW, reporter_id="U0REPORTER", assignee_id=None,
        customer=None, created_at=NOW, updated_at=NOW, first_response_due_at=NOW + timedelta(minutes=45),
        resolution_due_at=NOW + timedelta(hours=8), next_response_due_at=None, waiting_since=None,
        reopen_count=0, source_permalink=None, resolution=None, first_response_at=None, first_response_by=None,
        resolved_at=None, resolved_by=None, permalink=PERMALINK, paused_seconds=0, escalation_count=0,
    )
    values.update(overrides)
    return Ticket(**values)


# --------------------------------------------------------------------------- SLA status


def test_open_clocks_are_the_pending_ones_earliest_first():
    ticket = _ticket()
    assert [c.label for c in open_clocks(ticket)] == ["first response", "resolution"]
    answered = _ticket(first_response_at=NOW, first_response_by="U0AGENT")
    assert [c.label for c in open_clocks(answered)] == ["resolution"]
    owed = _ticket(first_response_at=NOW, next_response_due_at=NOW + timedelta(hours=9))
    assert [c.label for c in open_clocks(owed)] == ["resolution", "next response"]
    assert open_clocks(_ticket(status=TicketStatus.RESOLVED, resolved_at=NOW)) == []


def test_sla_status_names_the_nearest_clock():
    assert sla_status(_ticket(), NOW) == "first response due in 45m"
    assert sla_status(_ticket(), NOW + timedelta(minutes=50)) == ":rotating_light: first response overdue by 5m"
    answered = _ticket(first_response_at=NOW)
    assert sla_status(answered, NOW) == "resolution due in 8h"
    assert sla_status(_ticket(first_response_at=NOW, waiting_since=NOW), NOW).startswith("resolution paused")
    assert sla_status(_ticket(first_response_due_at=None, resolution_due_at=None), NOW) == "no SLA clock running"


def test_sla_status_of_resolved_tickets_says_whether_the_target_was_met():
    on_time = _ticket(status=TicketStatus.RESOLVED, resolved_at=NOW + timedelta(hours=1))
    assert sla_status(on_time, NOW).endswith("within the SLA")
    late = _ticket(status=TicketStatus.RESOLVED, resolved_at=NOW + timedelta(hours=9))
    assert sla_status(late, NOW).endswith(", 1h late")


# --------------------------------------------------------------------------- lines


def test_ticket_line_links_number_and_shows_priority_status_and_sla():
    line = ticket_line(_ticket(7, assignee_id="U0AGENT", status=TicketStatus.IN_PROGRESS), NOW)
    assert line.startswith(f"*<{PERMALINK}|#7>* `P1` Ticket 7")
    assert "In progress, assigned to <@U0AGENT>" in line and "first response due in 45m" in line
    assert "New, unassigned" in ticket_line(_ticket(8), NOW)


def test_ticket_line_escapes_the_summary_and_caps_it():
    line = ticket_line(_ticket(summary="<!channel> <@U123> & <https://evil.example|x>"), NOW)
    assert "<!channel>" not in line and "<@U123>" not in line and "<https://evil" not in line
    assert "&lt;!channel&gt; &lt;@U123&gt; &amp;" in line
    assert len(ticket_line(_ticket(summary="y" * 500), NOW)) < 300


def test_ticket_line_without_permalink_shows_a_plain_number():
    assert ticket_line(_ticket(3, permalink=None), NOW).startswith("*#3* ")


def test_pack_lines_fills_sections_up_to_the_text_limit():
    lines = [f"{i:04d} " + "x" * 995 for i in range(7)]  # 1000 characters each
    sections = pack_lines(lines)
    assert [s["text"]["text"].count("\n") + 1 for s in sections] == [2, 2, 2, 1]
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert "\n".join(s["text"]["text"] for s in sections) == "\n".join(lines)
    assert pack_lines([]) == []


def test_list_blocks_count_the_rest_and_say_when_empty():
    blocks = build_ticket_list_blocks("Queue", [_ticket(1), _ticket(2)], now=NOW, more=5)
    assert blocks[-1]["elements"][0]["text"] == "… and 5 more"
    empty = build_ticket_list_blocks("Queue", [], now=NOW, empty="Nothing to do.")
    assert "Nothing to do." in str(empty)
    assert validate_message_blocks(blocks) == [] and validate_message_blocks(empty) == []


# --------------------------------------------------------------------------- status card


def test_status_card_has_the_card_facts_sla_and_link_but_no_buttons():
    ticket = _ticket(12, assignee_id="U0AGENT", customer="<!here>", description="<@U9> says hi",
                     status=TicketStatus.IN_PROGRESS)
    blocks = build_ticket_status_message(ticket, CONFIG, NOW + timedelta(hours=1))
    assert validate_message_blocks(blocks) == []
    assert all(b["type"] != "actions" for b in blocks)
    texts = " ".join(mrkdwn_texts(blocks))
    assert "P1 · High" in texts and "Login problems" in texts and "Frontline" in texts
    assert "In progress, assigned to <@U0AGENT>" in texts and "<@U0REPORTER>" in texts
    assert "First response overdue by 15m" in texts and "Resolution due in 7h" in texts
    assert f"<{PERMALINK}|Open the ticket card>" in texts
    assert "<!here>" not in texts and "<@U9>" not in texts and "&lt;!here&gt;" in texts


def test_status_card_of_a_resolved_ticket_shows_the_outcome():
    ticket = _ticket(status=TicketStatus.RESOLVED, resolved_at=NOW, resolved_by="U0AGENT", resolution="Reset it")
    texts = " ".join(mrkdwn_texts(build_ticket_status_message(ticket, CONFIG, NOW)))
    assert "Resolved by <@U0AGENT>" in texts and "within the SLA" in texts and "Reset it" in texts


# --------------------------------------------------------------------------- scopes


def test_queue_scope_by_tier_id_or_name_in_any_case():
    assert queue_scope(CONFIG, "tier2", None).tier_ids == ["tier2"]
    assert queue_scope(CONFIG, "TIER2", None).tier_ids == ["tier2"]
    assert queue_scope(CONFIG, "technical", "C0TIER1FL").tier_ids == ["tier2"]
    assert queue_scope(CONFIG, "Technical", None).title == "Queue: Technical"
    assert queue_scope(CONFIG, "triage", None).tier_ids == [None]


def test_queue_scope_without_argument_follows_the_channel_else_everything():
    assert queue_scope(CONFIG, "", "C0TIER2TS").tier_ids == ["tier2"]
    everything = queue_scope(CONFIG, "", "C0GENERAL")
    assert everything.tier_ids is None and "All open tickets" in everything.title
    assert queue_scope(CONFIG, "", None).tier_ids is None


def test_unknown_tier_lists_the_valid_ones():
    with pytest.raises(InvalidRequest) as info:
        queue_scope(CONFIG, "<!channel>", None)
    message = info.value.message
    assert "`tier1` (Frontline)" in message and "`tier4` (Executive)" in message
    assert "<!channel>" not in message


def test_home_queues_are_the_member_tiers_first():
    assert [q.tier_ids for q in home_queues(CONFIG, "U0AGENT01", ["tier3"])] == [["tier1"]]
    assert [q.title for q in home_queues(CONFIG, "U0AGENT03", [])] == ["Queue: Technical"]


def test_home_queues_fall_back_to_claimed_tiers_then_everything():
    queues = home_queues(CONFIG, "U0NOBODY", ["tier3", None, "tier2", "gone"])
    assert [q.tier_ids for q in queues] == [[None], ["tier2"], ["tier3"], ["gone"]]
    assert [q.title for q in queues][:3] == ["Queue: Triage", "Queue: Technical", "Queue: Engineering"]
    assert home_queues(CONFIG, "U0NOBODY", []) == [HomeQueue("All open tickets", None, " (`/ticket queue` lists more)")]


# --------------------------------------------------------------------------- home view


def test_home_view_is_valid_and_has_the_new_ticket_hint():
    view = build_home_view([HomeSection("Your claimed tickets", TicketList([_ticket()], 1))], now=NOW)
    assert view["type"] == "home" and validate_view(view, kinds=("home",)) == []
    assert "`/ticket`" in str(view["blocks"][1])


def test_home_view_never_exceeds_slack_block_limit():
    long = "z" * 140  # long summaries: more sections per list
    section = HomeSection("Queue", TicketList([_ticket(n, summary=long) for n in range(15)], 40))
    view = build_home_view([section] * 40, now=NOW)
    assert len(view["blocks"]) <= HOME_BLOCKS_MAX
    assert validate_view(view, kinds=("home",)) == []
    assert "did not fit here" in str(view["blocks"][-2])


# --------------------------------------------------------------------------- queries


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator:
    engine = make_engine(database_url)
    await upgrade_database(engine)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def _store(sessions, *tickets: Ticket) -> None:
    async with sessions.begin() as db:
        db.add_all(tickets)


def _numbers(tickets) -> list[int]:
    return [t.number for t in tickets]


async def test_queue_orders_by_the_nearest_deadline_in_sql(sessions):
    await _store(
        sessions,
        # first response still pending: its due time counts
        _ticket(1, first_response_due_at=NOW + timedelta(hours=3), resolution_due_at=NOW + timedelta(hours=5)),
        # first response given: only the resolution counts, even though first-response-due is earliest
        _ticket(2, first_response_at=NOW, first_response_due_at=NOW - timedelta(hours=9),
                resolution_due_at=NOW + timedelta(hours=4)),
        _ticket(3, first_response_due_at=NOW - timedelta(minutes=5), resolution_due_at=NOW + timedelta(hours=1)),
        # no deadline at all: last
        _ticket(4, first_response_due_at=None, resolution_due_at=None),
        # a next response owed: nearest of all open clocks
        _ticket(5, first_response_at=NOW, next_response_due_at=NOW + timedelta(hours=2),
                resolution_due_at=NOW + timedelta(hours=6)),
        _ticket(6, status=TicketStatus.RESOLVED, resolved_at=NOW, first_response_due_at=NOW - timedelta(days=1)),
        _ticket(7, team_id="T2", first_response_due_at=NOW - timedelta(days=1)),
    )
    async with sessions() as db:
        queue = await open_queue(db, "T1")
    assert _numbers(queue.tickets) == [3, 5, 1, 2, 4]
    assert queue.total == 5 and queue.more == 0


async def test_queue_filters_tiers_triage_and_caps_with_a_count(sessions):
    await _store(sessions, *[_ticket(n, tier="tier2", first_response_due_at=NOW + timedelta(minutes=n))
                             for n in range(1, 6)],
                 _ticket(6, tier=None), _ticket(7, tier="tier1"))
    async with sessions() as db:
        tier2 = await open_queue(db, "T1", tier_ids=["tier2"], limit=3)
        triage = await open_queue(db, "T1", tier_ids=[None])
        both = await open_queue(db, "T1", tier_ids=[None, "tier1"])
        nothing = await open_queue(db, "T1", tier_ids=[])
    assert _numbers(tier2.tickets) == [1, 2, 3] and tier2.total == 5 and tier2.more == 2
    assert _numbers(triage.tickets) == [6]
    assert sorted(_numbers(both.tickets)) == [6, 7]
    assert nothing.tickets == [] and nothing.total == 0


async def test_user_lists(sessions):
    me = "U0ME"
    await _store(
        sessions,
        _ticket(1, reporter_id=me, first_response_due_at=NOW + timedelta(hours=2)),
        _ticket(2, assignee_id=me, tier="tier3", first_response_due_at=NOW + timedelta(hours=1)),
        _ticket(3),
        _ticket(4, reporter_id=me, status=TicketStatus.RESOLVED, resolved_at=NOW - timedelta(hours=2)),
        _ticket(5, assignee_id=me, status=TicketStatus.RESOLVED, resolved_at=NOW - timedelta(hours=1)),
        _ticket(6, resolved_by=me, status=TicketStatus.RESOLVED, resolved_at=NOW - timedelta(hours=3)),
        _ticket(7, status=TicketStatus.RESOLVED, resolved_at=NOW),
        _ticket(8, assignee_id=me, tier=None, first_response_due_at=NOW + timedelta(hours=3)),
        _ticket(9, reporter_id=me, team_id="T2"),
    )
    async with sessions() as db:
        mine = await open_tickets_of_user(db, "T1", me)
        claimed = await claimed_open_tickets(db, "T1", me)
        reported = await reported_open_tickets(db, "T1", me)
        resolved = await resolved_tickets_of_user(db, "T1", me, limit=2)
        tiers = await tiers_of_claimed_tickets(db, "T1", me)
        by_number = await tickets_by_number(db, "T1", [1, 4, 99])
    assert _numbers(mine.tickets) == [2, 1, 8] and mine.total == 3
    assert _numbers(claimed.tickets) == [2, 8]
    assert _numbers(reported.tickets) == [1]
    assert _numbers(resolved) == [5, 4]
    assert sorted(tiers, key=str) == [None, "tier3"]
    assert sorted(by_number) == [1, 4]


async def test_queue_ties_go_by_number_and_pages_follow_the_order(sessions):
    at = NOW + timedelta(hours=1)
    await _store(
        sessions,
        # the same nearest deadline from three different clocks: by number
        _ticket(4, first_response_due_at=at, resolution_due_at=at + timedelta(hours=1)),
        _ticket(2, first_response_at=NOW, first_response_due_at=NOW - timedelta(days=1),
                next_response_due_at=at, resolution_due_at=at + timedelta(hours=2)),
        _ticket(3, first_response_at=NOW, first_response_due_at=None, resolution_due_at=at),
        # a next response owed before the pending first response, both before the resolution
        _ticket(5, first_response_due_at=at + timedelta(minutes=30), next_response_due_at=at - timedelta(minutes=1),
                resolution_due_at=at + timedelta(hours=3)),
        # the resolution earliest of all three clocks
        _ticket(6, first_response_due_at=at + timedelta(hours=5), next_response_due_at=at + timedelta(hours=4),
                resolution_due_at=at + timedelta(minutes=1)),
        _ticket(1, first_response_due_at=None, resolution_due_at=None),  # none: last, whatever its number
        _ticket(7, first_response_at=NOW, first_response_due_at=None, resolution_due_at=None),
    )
    async with sessions() as db:
        whole = await open_queue(db, "T1", tier_ids=["tier1"])
        pages = [await open_queue(db, "T1", tier_ids=["tier1"], limit=3, offset=offset) for offset in (0, 3, 6)]
    assert _numbers(whole.tickets) == [5, 2, 3, 4, 6, 1, 7]
    assert [_numbers(page.tickets) for page in pages] == [[5, 2, 3], [4, 6, 1], [7]]
    assert [(page.total, page.more) for page in pages] == [(7, 4), (7, 1), (7, 0)]
