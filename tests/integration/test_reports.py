"""Scheduled reports: one post per period across concurrent runs, with the chart
uploaded into the report's thread; a period missed while the bot was down is posted
late, and only the latest one.

The policy is the example app.yaml (America/New_York) with a reports section: daily
at 09:00, weekly on Monday at 09:00, in C0REPORTS1.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from workflows.policy.loader import load_config
from workflows.policy.schema import AppConfig
from bot.database import make_engine
from bot.report_timer import declare_report_jobs
from models.report_runs import ReportKind, ReportRun
from tests.conftest import REPO_ROOT
from tests.ticket_steps import create_ticket, mrkdwn_texts
from workflows.outbox.enqueue import deliver_outbox
from workflows.reports.scheduled import run_due_reports

REPORTS = "C0REPORTS1"
PNG = b"\x89PNG\r\n\x1a\n"
MONDAY_0930 = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)      # Mon 30 Nov, 09:30 in New York
MONDAY_0900 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)       # when Monday's periods end


@pytest.fixture
def config(tmp_path) -> AppConfig:
    policy = (REPO_ROOT / "app.yaml").read_text(encoding="utf-8")
    policy += f'\nreports:\n  channel: {REPORTS}\n  daily: "09:00"\n  weekly: {{day: mon, time: "09:00"}}\n'
    path = tmp_path / "app.yaml"
    path.write_text(policy, encoding="utf-8")
    return load_config(path)


async def runs(bot) -> list[ReportRun]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(ReportRun).order_by(ReportRun.kind, ReportRun.period_start))).scalars())


def posts(bot, prefix: str) -> list[dict]:
    return [m for m in bot.slack.messages(REPORTS) if m.get("text", "").startswith(prefix)]


def charts(bot, thread_ts: str) -> list[dict]:
    return [f for f in bot.slack.files.values()
            if f.get("completed") and f.get("channel") == REPORTS and f.get("thread_ts") == thread_ts]


async def test_each_report_is_posted_once_per_period_with_its_chart(bot):
    bot.clock.set(datetime(2026, 11, 29, 16, 0, tzinfo=UTC))           # Sunday
    await create_ticket(bot, "Export fails <!channel>", category="Bug report", priority="P2")
    bot.clock.set(MONDAY_0930)

    results = await asyncio.gather(*(run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930) for _ in range(2)))

    assert sum(results) == 2                                             # the daily and the weekly, once each
    [daily] = posts(bot, "Daily support digest: Mon 30 Nov 2026")
    [weekly] = posts(bot, "Weekly support report: Mon 23 Nov – Mon 30 Nov 2026")
    assert daily["text"] == "Daily support digest: Mon 30 Nov 2026: 1 new, 1 open, 0 overdue."
    shown = "\n".join(mrkdwn_texts(daily["blocks"]))
    assert "*New since yesterday: 1*" in shown and "Export fails &lt;!channel&gt;" in shown
    assert "<!channel>" not in shown
    assert "*Opened*\n1" in "\n".join(mrkdwn_texts(weekly["blocks"]))
    for message, name in ((daily, "support-daily-2026-11-30.png"), (weekly, "support-weekly-2026-11-30.png")):
        [chart] = charts(bot, message["ts"])
        assert chart["name"] == name and chart["data"].startswith(PNG)
    stored = [(r.kind, r.period_start, r.period_end) for r in await runs(bot)]
    assert (ReportKind.DAILY, datetime(2026, 11, 29, 14, tzinfo=UTC), datetime(2026, 11, 30, 14, tzinfo=UTC)) in stored
    assert (ReportKind.WEEKLY, datetime(2026, 11, 23, 14, tzinfo=UTC), datetime(2026, 11, 30, 14, tzinfo=UTC)) in stored
    assert all(r.message_ts and r.file_id for r in await runs(bot))

    # Later runs in the same period (another replica, a restart) post nothing.
    posted_before = len(bot.slack.calls_to("chat.postMessage"))
    bot.clock.set(MONDAY_0930 + timedelta(hours=8))
    assert await run_due_reports(deps=bot.runtime.deps, now=bot.clock()) == 0
    assert len(bot.slack.calls_to("chat.postMessage")) == posted_before


async def test_a_period_missed_while_down_is_posted_at_startup_only_the_latest(bot):
    thursday = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)                # Thu 3 Dec, 11:30 in New York
    bot.clock.set(thursday)
    declare_report_jobs(bot.runtime)                                     # runs once now, then every minute

    await bot.slack.wait_for("files.completeUploadExternal", count=2, timeout=15)
    await bot.runtime.drain()
    mine = [r for r in await runs(bot) if r.period_end <= thursday and r.period_end > thursday - timedelta(days=7)]
    assert [(r.kind, r.period_start) for r in mine] == [
        (ReportKind.DAILY, datetime(2026, 12, 2, 14, tzinfo=UTC)),       # Wed 09:00 -> Thu 09:00, not Mon or Tue
        (ReportKind.WEEKLY, datetime(2026, 11, 23, 14, tzinfo=UTC)),     # the week that ended on Monday
    ]
    assert len(posts(bot, "Daily support digest: Thu 03 Dec 2026")) == 1
    assert posts(bot, "Daily support digest: Tue 01 Dec 2026") == []

    friday = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)                   # the next digest is due
    assert await run_due_reports(deps=bot.runtime.deps, now=friday) == 1
    assert len(posts(bot, "Daily support digest: Fri 04 Dec 2026")) == 1


async def test_a_report_slack_refuses_for_now_is_sent_later_once_and_not_claimed_again(bot):
    bot.clock.set(MONDAY_0930)
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")     # the daily digest, tried first
    assert await run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930) == 2   # both claimed and owed
    assert posts(bot, "Daily support digest") == [] and posts(bot, "Weekly support report") == []
    assert await run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930 + timedelta(minutes=1)) == 0

    bot.clock.advance(timedelta(seconds=30))                              # the channel's lane tries again
    await deliver_outbox(bot.runtime.deps)
    [daily] = posts(bot, "Daily support digest: Mon 30 Nov 2026")
    [weekly] = posts(bot, "Weekly support report")
    for message in (daily, weekly):
        assert len(charts(bot, message["ts"])) == 1
    assert {(r.kind, r.message_ts) for r in await runs(bot)} == {(ReportKind.DAILY, daily["ts"]),
                                                                 (ReportKind.WEEKLY, weekly["ts"])}


async def test_a_chart_that_cannot_be_uploaded_leaves_the_report_posted(bot):
    bot.clock.set(MONDAY_0930)
    bot.slack.fail_next("files.getUploadURLExternal", error="not_allowed_token_type", times=2)
    assert await run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930) == 2
    assert await run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930) == 0   # not posted twice
    assert [r.file_id for r in await runs(bot) if r.period_end == MONDAY_0900] == [None, None]


async def test_no_write_transaction_is_held_while_slack_answers_the_post_and_the_upload(bot, database_url):
    """Another process writes while Slack is answering the report's post and its chart
    upload: the period's claim is committed already, and the write does not wait (on
    SQLite a transaction left open would hold the database's one write lock)."""
    bot.clock.set(MONDAY_0930)
    other = make_engine(database_url)
    writes: list[object] = []

    async def write_meanwhile(_answer) -> None:
        try:
            async with other.begin() as conn:
                if conn.dialect.name == "sqlite":
                    await conn.exec_driver_sql("PRAGMA busy_timeout=300")
                else:
                    await conn.exec_driver_sql("SET LOCAL lock_timeout = '300ms'")
                result = await conn.execute(update(ReportRun).values(channel_id=ReportRun.channel_id))
                writes.append(result.rowcount)
        except SQLAlchemyError as error:
            writes.append(type(error.orig or error).__name__)

    for method in ("chat.postMessage", "files.completeUploadExternal"):
        for _ in range(2):  # the daily and the weekly
            bot.slack.after_next(method, write_meanwhile)
    try:
        assert await run_due_reports(deps=bot.runtime.deps, now=MONDAY_0930) == 2
    finally:
        await other.dispose()
    assert len(writes) == 4 and all(isinstance(n, int) and n >= 1 for n in writes), writes
    assert len(posts(bot, "Daily support digest")) == 1 and len(posts(bot, "Weekly support report")) == 1
