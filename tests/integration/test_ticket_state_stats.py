"""`/ticket stats` and `supportbot report` count by state (#19): the backlog in each state
now, and how long tickets waited for triage."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta

from models.ticket_queries import get_ticket_by_number
from tests.conftest import REPO_ROOT
from tests.lifecycle_steps import AGENT, TIER1_CHANNEL, ask, resolve, submit_view, wait_for_card
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts
from workflows.tickets.ids import TicketView


async def a_desk_in_every_state(bot) -> None:
    """#1 new, #2 triaged after 30 minutes, #3 in progress, #4 waiting, #5 resolved, #6 closed."""
    await create_ticket(bot, "New one", category="Login problems", priority="P2")
    await create_ticket(bot, "To triage", category="General question", priority="P3")
    for summary in ("Held", "Waiting", "Resolved", "Closed"):
        await create_ticket(bot, summary, category="Login problems", priority="P2")
    bot.clock.advance(timedelta(minutes=30))
    opened = len(bot.slack.calls_to("views.open"))
    await bot.sender.slash("/ticket", "triage #2", user_id=AGENT)
    await bot.slack.wait_for("views.open", count=opened + 1)
    await submit_view(bot, bot.slack.latest_view(str(TicketView.TRIAGE_TICKET)), {}, user_id=AGENT)
    for number in (3, 4, 5, 6):
        await ask(bot, f"assign #{number} <@{AGENT}>", user_id=AGENT)
    await ask(bot, "wait #4", user_id=AGENT)
    for number in (5, 6):
        await resolve(bot, await wait_for_card(bot, number, TIER1_CHANNEL))
    async with bot.runtime.sessions.begin() as db:  # #6 was closed (its reporter confirmed the fix)
        (await get_ticket_by_number(db, "T0TEST", 6, for_update=True)).status = "closed"


async def test_stats_show_the_backlog_by_state_and_the_time_in_triage(bot):
    await a_desk_in_every_state(bot)
    bot.clock.advance(timedelta(minutes=1))
    url = bot.slack.response_url("stats")
    assert (await bot.sender.slash("/ticket", "stats 7d", user_id=REPORTER, response_url=url)).status == 200
    [answer] = await bot.slack.wait_for_response("stats")
    [section] = [t for t in mrkdwn_texts(answer["blocks"]) if t.startswith("*Lifecycle*")]
    assert section == ("*Lifecycle*\n"
                       "• Backlog at Wed 25 Nov 10:31: 4 — New 1 · Triaged 1 · In progress 1 · Waiting on customer 1\n"
                       "• Time in triage: median 30m / p90 30m (1 triaged)")


async def test_the_report_counts_by_state_too(bot, database_url):
    await a_desk_in_every_state(bot)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    env["DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-m", "bot.cli", "report", "--config", str(REPO_ROOT / "app.yaml"),
                           "--since", "1d", "--format", "csv"],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    rows = {(r["metric"], r["scope"]): r["value"] for r in csv.DictReader(io.StringIO(done.stdout))}
    assert {scope: value for (metric, scope), value in rows.items() if metric == "backlog"} == {
        "new": "1", "triaged": "1", "in_progress": "1", "waiting": "1"}
