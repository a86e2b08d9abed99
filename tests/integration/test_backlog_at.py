"""`supportbot report --until …` shows the backlog by state as it stood at the end of the
period, read back from the timeline, and time in triage counts what happened within the
period (#19).

The desk, on the fake clock (UTC; the policy's zone is America/New_York, UTC-5):

    Wed 25  15:00  #1 and #2 opened                        (10:00 in New York)
            15:30  #1 triaged                              (10:30)
            16:00  #1 assigned -> in progress
            16:30  #1 waits on the customer; #3 opened
            17:00  #1's reporter replies -> in progress    (12:00)
            18:00  #1 resolved
            19:00  #3 merged into #2 -> resolved
    Thu 26  14:00  #1 reopened by its reporter -> in progress (09:00)
            14:30  #1 triaged again (still in progress)
            15:00  #1 resolved again
            16:00  #1's reporter confirms the fix -> closed (11:00)
            17:00  #2 triaged, naming its assignee -> in progress (12:00)
            17:30  #2 waits on the customer
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
from datetime import UTC, datetime

import pytest

from bot.cli import main
from tests.conftest import REPO_ROOT
from tests.lifecycle_steps import AGENT, AGENT2, TIER1_CHANNEL, ask, click_dm, dm_messages, policy, resolve, stored
from tests.lifecycle_steps import submit_view, wait_for_card
from tests.sla_steps import reply
from tests.ticket_steps import REPORTER, create_ticket
from tests.waiting import until
from workflows.tickets.ids import TicketAction, TicketView

RESOLVED = "Good news: #{number} is resolved. What we did: {resolution}"
pytestmark = pytest.mark.parametrize("config", [policy(lambda data: data.update(messages={"resolved": RESOLVED}))])


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def triage(bot, number: int, values: dict | None = None) -> None:
    opened = len(bot.slack.calls_to("views.open"))
    await bot.sender.slash("/ticket", f"triage #{number}", user_id=AGENT)
    await bot.slack.wait_for("views.open", count=opened + 1)
    await submit_view(bot, bot.slack.latest_view(str(TicketView.TRIAGE_TICKET)), values or {}, user_id=AGENT)


def resolution_dms(bot) -> list[dict]:
    return [m for m in dm_messages(bot, REPORTER) if "Good news" in m.get("text", "")]


async def the_desk(bot) -> None:
    clock = bot.clock
    clock.set(at(25, 15))
    await create_ticket(bot, "Cannot log in", priority="P2")
    await create_ticket(bot, "Slow page", category="General question", priority="P3")
    first = await wait_for_card(bot, 1, TIER1_CHANNEL)
    clock.set(at(25, 15, 30))
    await triage(bot, 1)
    clock.set(at(25, 16))
    await ask(bot, f"assign #1 <@{AGENT}>", user_id=AGENT)
    clock.set(at(25, 16, 30))
    await ask(bot, "wait #1", user_id=AGENT)
    await create_ticket(bot, "Slow page again", category="General question", priority="P3")
    clock.set(at(25, 17))
    await reply(bot, first, "Here are the logs", user=REPORTER)
    assert (await stored(bot, 1)).status == "in_progress"
    clock.set(at(25, 18))
    await resolve(bot, first)
    clock.set(at(25, 19))
    await ask(bot, "merge #3 #2", user_id=AGENT)
    clock.set(at(26, 14))
    await ask(bot, "reopen #1", user_id=REPORTER)
    clock.set(at(26, 14, 30))
    await triage(bot, 1)
    clock.set(at(26, 15))
    await resolve(bot, first)
    await until(lambda: len(resolution_dms(bot)) == 2, what="the second resolution DM")
    clock.set(at(26, 16))
    await click_dm(bot, resolution_dms(bot)[-1], TicketAction.CONFIRM_FIXED, REPORTER)
    clock.set(at(26, 17))
    await triage(bot, 2, {"Assignee": AGENT2})  # no claim nor assignment row: the triage row names the owner
    clock.set(at(26, 17, 30))
    await ask(bot, "wait #2", user_id=AGENT)
    assert [(await stored(bot, n)).status for n in (1, 2, 3)] == ["closed", "waiting", "resolved"]


async def report(database_url: str, *args: str) -> str:
    """`supportbot report … --config app.yaml` (the example policy's zone), its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    env["DATABASE_URL"] = database_url

    def run() -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["report", "--config", str(REPO_ROOT / "app.yaml"), *args], env)
        assert code == 0
        return out.getvalue()
    return await asyncio.to_thread(run)


async def backlog_at(database_url: str, until_text: str) -> dict[str, int]:
    document = json.loads(await report(database_url, "--since", "7d", "--until", until_text, "--format", "json"))
    return {row["scope"]: row["value"] for row in document["metrics"] if row["metric"] == "backlog" and row["value"]}


async def test_the_backlog_is_the_one_at_the_end_of_the_period(bot, database_url):
    await the_desk(bot)
    moments = {  # --until, in New York
        "2026-11-25 10:15": {"new": 2},
        "2026-11-25 10:30": {"new": 2},                   # #1's triage at that very moment is the next period's
        "2026-11-25 10:45": {"new": 1, "triaged": 1},
        "2026-11-25 11:45": {"new": 2, "waiting": 1},     # #3 opened; #1 waits
        "2026-11-25 12:30": {"new": 2, "in_progress": 1},  # mid-day: the reporter answered, back to work
        "2026-11-25 14:30": {"new": 1},                   # #1 resolved, #3 merged: done, not backlog
        "2026-11-26 09:30": {"new": 1, "in_progress": 1},  # #1 reopened
        "2026-11-26 10:30": {"new": 1},                   # #1 resolved again
        "2026-11-26 11:30": {"new": 1},                   # #1 closed
        "2026-11-26 12:15": {"in_progress": 1},           # #2 triaged with an owner
        "2026-11-26 12:45": {"waiting": 1},
    }
    found = {moment: await backlog_at(database_url, moment) for moment in moments}
    assert found == moments

    document = json.loads(await report(database_url, "--until", "2026-11-25 12:30", "--format", "json"))
    assert document["backlog_at"] == "2026-11-25T17:30:00+00:00"
    table = await report(database_url, "--until", "2026-11-25 12:30", "--format", "table")
    assert [line.split() for line in table.splitlines() if line.startswith("Backlog")] == [
        ["Backlog", "at", "2026-11-25", "12:30", state, n]
        for state, n in (("new", "2"), ("triaged", "0"), ("in_progress", "1"), ("waiting", "0"))]


def triage_times(document: dict) -> tuple[int, int | None]:
    [median] = [row for row in document["metrics"] if row["metric"] == "time_in_triage_median"]
    return median["denominator"], median["value"]


async def test_time_in_triage_counts_the_first_triages_within_the_period(bot, database_url):
    await the_desk(bot)
    # Wed: #1 waited 30 minutes (its triage again on Thursday changes nothing about that).
    wednesday = json.loads(await report(database_url, "--since", "1d", "--until", "2026-11-25 23:00",
                                        "--format", "json"))
    assert triage_times(wednesday) == (1, 30 * 60)
    # Thursday: only #2, after 26 hours; #1's second triage is no time in triage.
    thursday = json.loads(await report(database_url, "--since", "12h", "--until", "2026-11-26 18:00",
                                       "--format", "json"))
    assert triage_times(thursday) == (1, 26 * 3600)
