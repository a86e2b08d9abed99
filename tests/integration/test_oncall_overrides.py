"""`/oncall override` and `/oncall swap`: stored, on the on-call timeline, announced,
shown by `/oncall`, allowed per the authority matrix — and the page goes to the
override's person inside its span, to the rotation's primary after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy import select

from models.oncall import OncallEvent, OncallOverride
from tests.conftest import REPO_ROOT
from tests.paging_fixtures import start_bot
from tests.ticket_steps import create_ticket
from workflows.paging.pager import page_ticket
from workflows.paging.roster import on_duty
from workflows.policy.loader import parse_config

ONCALL = "C0ONCALL01"
PRIMARY, PRIMARY2, PRIMARY3 = "U0PRIMARY1", "U0PRIMARY2", "U0PRIMARY3"
SUB = "U0SUBST01"
SECONDARY = "U0SECOND01"


async def oncall(bot, text: str, *, user: str = PRIMARY, name: str) -> dict:
    reply = await bot.sender.slash("/oncall", text, user_id=user, response_url=bot.slack.response_url(name))
    assert reply.status == 200 and not reply.body
    [answer] = await bot.slack.wait_for_response(name)
    assert answer["response_type"] == "ephemeral"
    return answer


async def rows(bot, model) -> list:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(model).order_by(model.id))).scalars())


async def test_an_override_pages_its_person_inside_its_span_and_not_after(bot, clock):
    # The clock reads Wednesday 2026-11-25 10:00 in New York (the desk's timezone).
    answer = await oncall(bot, f"override <@{SUB}|sub> until 2026-11-25 18:00", name="set")
    assert f"<@{SUB}> is primary instead of <@{PRIMARY}>" in answer["text"]
    [row] = await rows(bot, OncallOverride)
    assert row.user_id == SUB and row.replaces_user_id == PRIMARY and row.created_by == PRIMARY
    assert row.starts_at == clock() and row.ends_at == datetime(2026, 11, 25, 23, tzinfo=UTC)
    [event] = await rows(bot, OncallEvent)
    assert event.kind == "override_set" and event.actor_id == PRIMARY and event.detail["user"] == SUB
    await bot.slack.wait_for("chat.postMessage")
    [note] = bot.slack.messages(ONCALL)
    assert f"<@{PRIMARY}> set an on-call override: <@{SUB}> is primary" in note["text"]

    shown = await oncall(bot, "", user="U0AGENT01", name="show")
    assert shown["text"].startswith(f"Primary: <@{PRIMARY}>")  # the schedule, then the override
    assert f"Overrides:\n• <@{SUB}> (instead of <@{PRIMARY}>) is primary until" in shown["text"]

    deps = bot.runtime.deps
    inside = await create_ticket(bot, "Inside the span", priority="P1")
    page = await page_ticket(deps=deps, ticket_id=inside.id, reason="SLA breach")
    assert page.oncall_user_id == SUB
    assert page.dm_channel_id == bot.slack.dm_channel(SUB)
    assert f"<@{SUB}>" in bot.slack.message(ONCALL, page.mirror_ts)["text"]

    clock.set(datetime(2026, 11, 25, 23, tzinfo=UTC))  # the override's end
    after = await create_ticket(bot, "After the span", priority="P1")
    page = await page_ticket(deps=deps, ticket_id=after.id, reason="SLA breach")
    assert page.oncall_user_id == PRIMARY
    shown = await oncall(bot, "", user="U0AGENT01", name="show-after")
    assert "Overrides" not in shown["text"]


async def test_an_override_from_a_later_moment_starts_then(bot, clock):
    answer = await oncall(bot, f"override <@{SUB}> from 2026-11-26 09:00 until 2026-11-26 17:00", name="later")
    assert "set an on-call override" in answer["text"]
    deps = bot.runtime.deps
    async with deps.sessions() as db:
        assert (await on_duty(db, deps.config, clock())).primary == PRIMARY
        inside = await on_duty(db, deps.config, datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
        assert (inside.primary, inside.source, inside.secondary) == (SUB, "override", SECONDARY)
        assert (await on_duty(db, deps.config, datetime(2026, 11, 26, 22, 0, tzinfo=UTC))).primary == PRIMARY
    shown = await oncall(bot, "", user="U0AGENT01", name="show")
    assert f"• <@{SUB}> (instead of <@{PRIMARY}>) from <!date^" in shown["text"]


async def test_a_swap_trades_next_turns(bot, clock):
    # Turns hand over on Mondays 09:00 New York: PRIMARY (now), PRIMARY2 (Nov 30), PRIMARY3 (Dec 7), …
    answer = await oncall(bot, f"swap <@{PRIMARY3}|c>", user=PRIMARY, name="swap")
    assert f"<@{PRIMARY}> and <@{PRIMARY3}> swapped turns" in answer["text"]
    overrides = await rows(bot, OncallOverride)
    assert [(o.kind, o.user_id, o.replaces_user_id) for o in overrides] == [
        ("swap", PRIMARY3, PRIMARY), ("swap", PRIMARY, PRIMARY3)]
    dec7, dec21 = datetime(2026, 12, 7, 14, tzinfo=UTC), datetime(2026, 12, 21, 14, tzinfo=UTC)
    assert (overrides[0].starts_at, overrides[0].ends_at) == (dec21, dec21 + timedelta(weeks=1))
    assert (overrides[1].starts_at, overrides[1].ends_at) == (dec7, dec7 + timedelta(weeks=1))
    [event] = await rows(bot, OncallEvent)
    assert event.kind == "swapped" and event.detail["with"] == PRIMARY3

    deps = bot.runtime.deps
    clock.set(dec7 + timedelta(hours=1))
    ticket = await create_ticket(bot, "During the swapped turn", priority="P1")
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    assert page.oncall_user_id == PRIMARY
    async with deps.sessions() as db:
        assert (await on_duty(db, deps.config, dec21 + timedelta(days=2))).primary == PRIMARY3
        assert (await on_duty(db, deps.config, datetime(2026, 11, 30, 15, tzinfo=UTC))).primary == PRIMARY2


@pytest.mark.parametrize("text, says", [
    ("override someone until 2026-11-25 18:00", "Mention the person"),
    (f"override <@{SUB}> tomorrow", "Say who and until when"),
    (f"override <@{SUB}> until 2026-11-25 09:00", "must end after it starts"),
    (f"override <@{SUB}> until 2026-13-01 09:00", "is not a date and time"),
    (f"override <@{SUB}> until 2027-03-01 09:00", "31 days or less"),
    (f"swap <@{SUB}>", f"<@{SUB}> has no turn as primary"),
    (f"swap <@{PRIMARY}>", "Swap with someone else"),
    ("holiday", "`/oncall` knows `override`, `swap` and `help`"),
])
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(bot, text, says):
    answer = await oncall(bot, text, name="bad")
    assert says in answer["text"]
    assert await rows(bot, OncallOverride) == []


async def test_someone_not_on_call_may_not_swap_or_override(database_url, fake_slack, clock):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["roles"] = {"agents": {"tier1": ["U0AGENT01"]}, "admins": ["U0ADMIN"]}
    async with start_bot(database_url, fake_slack, clock, parse_config(data)) as running:
        answer = await oncall(running, f"override <@{SUB}> until 2026-11-25 18:00", user="U0AGENT01", name="no")
        assert answer["text"].endswith("Only people on call or admins can change who is on call.")
        [refused] = await rows(running, OncallEvent)
        assert refused.kind == "refused" and refused.actor_id == "U0AGENT01"
        assert await rows(running, OncallOverride) == []
        answer = await oncall(running, f"override <@{SUB}> until 2026-11-25 18:00", user="U0ADMIN", name="admin")
        assert "set an on-call override" in answer["text"]


async def test_help(bot):
    answer = await oncall(bot, "help", name="help")
    assert "/oncall swap @someone" in answer["text"] and "America/New_York" in answer["text"]
