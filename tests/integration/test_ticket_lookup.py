"""`/ticket #N`, `/ticket mine`, `/ticket queue [tier]` and `/ticket reopen #N`, over signed
HTTP into the real app; answers are captured at the command's response_url."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from models.ticket_queries import get_ticket_by_number
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus
from tests.fakes.slack_requests import TEAM_ID
from tests.fakes.slack_views import validate_message_blocks
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts

AGENT = "U0AGENT07"
_names = itertools.count(1)


async def new_ticket(bot, *args, **kwargs) -> Ticket:
    """``create_ticket``, then wait for this ticket's own confirmation: by then its card's
    permalink is stored (``create_ticket`` may return earlier from the second ticket on)."""
    before = len(bot.slack.calls_to("chat.postEphemeral"))
    ticket = await create_ticket(bot, *args, **kwargs)
    await bot.slack.wait_for("chat.postEphemeral", count=before + 1)
    async with bot.runtime.sessions() as db:
        return await get_ticket_by_number(db, TEAM_ID, ticket.number)


async def ask(bot, text: str, *, user_id: str = REPORTER, channel_id: str = "C0GENERAL") -> dict:
    """Send `/ticket text` and return the one ephemeral answer posted to its response_url."""
    name = f"lookup{next(_names)}"
    reply = await bot.sender.slash("/ticket", text, user_id=user_id, channel_id=channel_id,
                                   response_url=bot.slack.response_url(name))
    assert reply.status == 200
    [answer] = await bot.slack.wait_for_response(name)
    assert answer["response_type"] == "ephemeral"
    if "blocks" in answer:
        assert validate_message_blocks(answer["blocks"]) == []
    return answer


def shown(answer: dict) -> str:
    """Everything mrkdwn the answer shows (text and blocks)."""
    return "\n".join([answer.get("text", "")] + mrkdwn_texts(answer.get("blocks", [])))


async def update_ticket(bot, number: int, **values) -> None:
    async with bot.runtime.sessions.begin() as db:
        ticket = await get_ticket_by_number(db, TEAM_ID, number, for_update=True)
        for key, value in values.items():
            setattr(ticket, key, value)


async def insert_tickets(bot, numbers, *, tier: str = "tier2", minutes_apart: int = 1) -> None:
    """Store open tickets straight in the database (no cards), deadlines ``minutes_apart``."""
    now = bot.clock()
    async with bot.runtime.sessions.begin() as db:
        for i, number in enumerate(numbers):
            due = now + timedelta(minutes=10 + i * minutes_apart)
            db.add(Ticket(team_id=TEAM_ID, number=number, summary=f"Bulk {number}", category="API errors",
                          priority="P2", tier=tier, status=TicketStatus.NEW, reporter_id="U0BULK",
                          permalink=f"https://fake.slack.com/archives/C0TIER2TS/p{number}", created_at=now,
                          updated_at=now, first_response_due_at=due, resolution_due_at=due + timedelta(hours=8)))


# --------------------------------------------------------------------------- /ticket #N


async def test_ticket_number_answers_a_status_card(bot, config):
    ticket = await new_ticket(bot, "Cannot log in", priority="P1")
    answer = await ask(bot, "#1")
    text = shown(answer)
    assert "#1" in answer["text"] and "Cannot log in" in answer["text"]
    assert answer["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "#1 Cannot log in",
                                                             "emoji": True}}
    assert "P1 · High" in text and "Login problems" in text and "Frontline" in text and "ACME Corp" in text
    assert "New, unassigned" in text and "<@U0REPORTER>" in text
    assert "First response due in 1h" in text and "Resolution due in 8h" in text
    assert f"<{ticket.permalink}|Open the ticket card>" in text
    assert all(block["type"] != "actions" for block in answer["blocks"])


async def test_status_card_shows_overdue_clocks(bot):
    await new_ticket(bot, priority="P1")
    bot.clock.advance(timedelta(minutes=65))
    text = shown(await ask(bot, "#1"))
    assert "First response overdue by 5m" in text and "Resolution due in 6h 55m" in text


async def test_status_card_after_the_first_response_shows_only_the_resolution_clock(bot):
    await new_ticket(bot, priority="P1")
    await update_ticket(bot, 1, first_response_at=bot.clock(), first_response_by=AGENT, assignee_id=AGENT,
                        status=TicketStatus.IN_PROGRESS)
    text = shown(await ask(bot, "#1"))
    assert "First response due" not in text and "Resolution due in 8h" in text
    assert f"In progress, assigned to <@{AGENT}>" in text


async def test_unknown_ticket_number_is_answered_not_found(bot):
    answer = await ask(bot, "#99")
    assert "Ticket #99 not found." in answer["text"]
    assert "blocks" not in answer


async def test_a_bad_ticket_number_is_answered_with_a_hint(bot):
    answer = await ask(bot, "#abc")
    assert "is not a ticket number" in answer["text"]


async def test_the_status_card_escapes_user_text(bot):
    await new_ticket(bot, "<!channel> <@U123> & friends", customer="<!here>", description="<@U9>")
    answer = await ask(bot, "#1")
    text = shown(answer)
    for raw in ("<!channel>", "<@U123>", "<!here>", "<@U9>"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text and "&lt;!here&gt;" in text


# --------------------------------------------------------------------------- /ticket mine


async def test_mine_with_no_tickets_says_how_to_open_one(bot):
    answer = await ask(bot, "mine", user_id="U0NOBODY")
    assert answer["text"] == "You have no tickets. Open one with `/ticket`."


async def test_mine_lists_reported_and_held_tickets_open_first_then_resolved(bot):
    await new_ticket(bot, "reported, low", priority="P3")     # #1 first response in 24 working hours
    await new_ticket(bot, "reported, urgent", priority="P0")  # #2 first response in 15m
    await new_ticket(bot, "someone else's", priority="P1")    # #3 held by the agent
    await new_ticket(bot, "done", priority="P2")              # #4 resolved
    await update_ticket(bot, 3, reporter_id="U0OTHER", assignee_id=REPORTER, status=TicketStatus.IN_PROGRESS)
    await update_ticket(bot, 4, status=TicketStatus.RESOLVED, resolved_at=bot.clock(), resolved_by=AGENT)
    await new_ticket(bot, "not mine")                          # #5
    await update_ticket(bot, 5, reporter_id="U0OTHER")
    answer = await ask(bot, "mine")
    text = shown(answer)
    order = [text.index(f"|#{n}>*") for n in (2, 3, 1, 4)]
    assert order == sorted(order)
    assert "|#5>" not in text
    assert "Recently resolved" in text and f"Resolved by <@{AGENT}>" in text
    assert "first response due in 15m" in text and f"In progress, assigned to <@{REPORTER}>" in text
    assert answer["text"] == "Your tickets: 3 open, 1 recently resolved."


async def test_mine_shows_the_ten_most_recently_resolved(bot):
    await insert_tickets(bot, range(1, 13))
    async with bot.runtime.sessions.begin() as db:
        for ticket in (await db.execute(select(Ticket))).scalars():
            ticket.status, ticket.assignee_id = TicketStatus.RESOLVED, AGENT
            ticket.resolved_at = bot.clock() + timedelta(minutes=ticket.number)
    text = shown(await ask(bot, "mine", user_id=AGENT))
    assert [n for n in range(1, 13) if f"|#{n}>*" in text] == list(range(3, 13))
    assert "No open tickets." in text


# --------------------------------------------------------------------------- /ticket queue


async def test_queue_of_a_tier_is_ordered_by_the_nearest_deadline(bot):
    await new_ticket(bot, "slow one", priority="P3")                 # #1 tier1
    await new_ticket(bot, "fast one", priority="P0")                 # #2 tier1
    await new_ticket(bot, "middle", priority="P1")                   # #3 tier1
    await new_ticket(bot, "other tier", category="Performance issues")  # #4 tier2
    await update_ticket(bot, 3, first_response_at=bot.clock())          # only its 8h resolution clock runs now
    answer = await ask(bot, "queue tier1")
    text = shown(answer)
    assert "Queue: Frontline" in text and "3 open" in text
    order = [text.index(f"|#{n}>*") for n in (2, 3, 1)]
    assert order == sorted(order)
    assert "|#4>" not in text
    assert "resolution due in 8h" in text


async def test_queue_by_tier_name_in_any_case(bot):
    await new_ticket(bot, "other tier", category="Performance issues")
    text = shown(await ask(bot, "queue technical"))
    assert "Queue: Technical" in text and "|#1>*" in text


async def test_queue_without_a_tier_uses_the_channel_tier(bot, config):
    await new_ticket(bot, "frontline")                                  # #1 tier1
    await new_ticket(bot, "technical", category="Performance issues")   # #2 tier2
    text = shown(await ask(bot, "queue", channel_id=config.tier("tier2").channel))
    assert "Queue: Technical" in text and "|#2>*" in text and "|#1>" not in text


async def test_queue_outside_tier_channels_lists_everything_and_says_so(bot):
    await new_ticket(bot, "frontline")
    await new_ticket(bot, "technical", category="Performance issues")
    await new_ticket(bot, "resolved")
    await update_ticket(bot, 3, status=TicketStatus.RESOLVED, resolved_at=bot.clock())
    answer = await ask(bot, "queue", channel_id="C0GENERAL")
    text = shown(answer)
    assert "All open tickets, across tiers" in answer["blocks"][0]["text"]["text"]
    assert "|#1>*" in text and "|#2>*" in text and "|#3>" not in text


async def test_unknown_tier_lists_the_valid_tiers(bot):
    answer = await ask(bot, "queue tier9")
    assert "There is no tier `tier9`" in answer["text"]
    assert "`tier1` (Frontline)" in answer["text"] and "`tier2` (Technical)" in answer["text"]


async def test_empty_queue_says_so(bot):
    answer = await ask(bot, "queue tier4")
    assert answer["text"] == "Queue: Executive — empty: no open tickets."


async def test_queue_is_capped_at_thirty_lines(bot):
    await insert_tickets(bot, range(1, 34))
    answer = await ask(bot, "queue tier2")
    text = shown(answer)
    assert [n for n in range(1, 34) if f"|#{n}>*" in text] == list(range(1, 31))
    assert "… and 3 more" in text and "33 open" in text


async def test_lists_escape_user_text(bot):
    await new_ticket(bot, "<!channel> <@U123> & friends")
    for command in ("mine", "queue tier1"):
        text = shown(await ask(bot, command))
        assert "<!channel>" not in text and "<@U123>" not in text
        assert "&lt;!channel&gt; &lt;@U123&gt; &amp; friends" in text


# --------------------------------------------------------------------------- /ticket reopen


async def test_reopen_reopens_a_resolved_ticket(bot):
    await new_ticket(bot)
    await update_ticket(bot, 1, status=TicketStatus.RESOLVED, resolved_at=bot.clock(), resolved_by=AGENT)
    answer = await ask(bot, "reopen #1", user_id=AGENT)
    assert answer["text"] == "Reopened #1."
    async with bot.runtime.sessions() as db:
        ticket = await get_ticket_by_number(db, TEAM_ID, 1)
        kinds = (await db.execute(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))).scalars().all()
    assert ticket.status == TicketStatus.NEW and ticket.reopen_count == 1
    assert TicketEventKind.REOPENED in kinds


async def test_reopen_of_an_unknown_or_open_ticket_changes_nothing(bot):
    await new_ticket(bot)
    assert "Ticket #7 not found." in (await ask(bot, "reopen #7"))["text"]
    answer = await ask(bot, "reopen #1")
    assert "nothing to reopen" in answer["text"]
    async with bot.runtime.sessions() as db:
        ticket = await get_ticket_by_number(db, TEAM_ID, 1)
    assert ticket.reopen_count == 0
