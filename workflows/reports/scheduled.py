"""Scheduled reports in the reports channel: the daily digest and the weekly report.

    posted = await run_due_reports(deps=deps, now=deps.clock())   # from a timer, any replica

Each report is a message (Block Kit) with its chart (a PNG, uploaded with
``files_upload_v2``, i.e. files.getUploadURLExternal + completeUploadExternal) in the
message's thread:

- daily (``reports.daily``): tickets opened in the day that just ended, open tickets
  by age and the overdue ones, and a chart of the last 14 days;
- weekly (``reports.weekly``): the stats of ``workflows.reports.metrics`` for the week just
  ended, each against its target and against the week before, with a 28-day chart.

Exactly once per period: ``run_due_reports`` looks at the latest ended period of each
report (``workflows.reports.schedule``); a period not yet in ``report_runs`` is built
(read-only), then claimed with insert-or-ignore in a short transaction that owes the
message and its chart to the Slack outbox (``workflows/reports/delivery.py``), so of two
replicas or a restarted process only one posts. The claim commits before anything is
sent: no write transaction (SQLite's one write lock) is held across the Slack post and
the chart upload, and a Slack outage or a channel the bot is not in delays the report
(the outbox retries) instead of losing it. A period missed while the bot was down is
posted late by the first run after startup (only the latest one).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.digest_queries import new_tickets, open_by_age, overdue_tickets
from models.metrics_queries import daily_series
from models.report_runs import ReportKind, claim_report_run, report_was_posted
from workflows.reports.messages import (
    AGE_EDGES,
    LIST_MAX,
    DailyDigest,
    build_daily_digest_message,
    build_stats_message,
    daily_digest_text,
    stats_text,
)
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.reports.metrics import compute_stats, report_targets, report_zone
from workflows.outbox.enqueue import deliver_outbox
from workflows.reports.chart import ChartData, chart_days, render_chart
from workflows.reports.delivery import owe_report
from workflows.reports.schedule import Period, due_periods

log = logging.getLogger(__name__)

__all__ = ["ReportContent", "compose_report", "post_report", "run_due_reports"]

CHART_DAYS = {ReportKind.DAILY: 14, ReportKind.WEEKLY: 28}


@dataclass(frozen=True)
class ReportContent:
    """A report ready to post: message text and blocks, the chart and its file name."""

    text: str
    blocks: list[dict[str, Any]]
    chart_png: bytes
    chart_name: str
    chart_title: str


async def run_due_reports(*, deps: Deps, now: datetime) -> int:
    """Post every report period that has ended and is not posted yet; how many were posted.

    Safe to call from several replicas at once and as often as wanted. One failing
    report is logged and does not keep the other from being posted.
    """
    if deps.config.reports is None:
        return 0
    posted = 0
    for period in due_periods(deps.config.reports, report_zone(deps.config), now):
        try:
            posted += await post_report(deps=deps, period=period, now=now)
        except Exception:
            log.exception("%s report for %s not posted; the next run tries again", period.kind, period.start)
    return posted


async def post_report(*, deps: Deps, period: Period, now: datetime) -> int:
    """Claim the report of ``period`` and send it, unless it was claimed already: 1 if
    this call claimed it (it is posted now, or later by the outbox), else 0."""
    reports = deps.config.reports
    assert reports is not None, "reports are not configured"
    async with deps.sessions() as db:
        if await report_was_posted(db, period.kind, period.start):
            return 0
    content = await compose_report(sessions=deps.sessions, config=deps.config, period=period, now=now)
    async with deps.sessions.begin() as db:
        if not await claim_report_run(db, kind=period.kind, period_start=period.start, period_end=period.end,
                                      channel_id=reports.channel, now=now):
            return 0
        await owe_report(db, kind=period.kind, period_start=period.start, channel=reports.channel,
                         text=content.text, blocks=content.blocks, chart_png=content.chart_png,
                         chart_name=content.chart_name, chart_title=content.chart_title, now=deps.clock())
    await deliver_outbox(deps, lanes=[reports.channel])
    log.info("claimed the %s report for %s for %s", period.kind, period.start, reports.channel)
    return 1


async def compose_report(*, sessions: async_sessionmaker[AsyncSession], config: AppConfig, period: Period,
                         now: datetime) -> ReportContent:
    """Read what the report of ``period`` says and draw its chart (nothing is written)."""
    zone = report_zone(config)
    days = chart_days(zone, period.end, CHART_DAYS[period.kind])
    async with sessions() as db:
        if period.kind == ReportKind.DAILY:
            digest = DailyDigest(
                since=period.start, until=period.end, now=now,
                new=await new_tickets(db, since=period.start, until=period.end, limit=LIST_MAX),
                open_by_age=await open_by_age(db, now=now, edges=AGE_EDGES),
                overdue=await overdue_tickets(db, now=now, limit=LIST_MAX),
            )
            text, blocks = daily_digest_text(digest, zone=zone), build_daily_digest_message(digest, zone=zone)
        else:
            week = timedelta(days=7)
            stats = await compute_stats(db=db, config=config, since=period.start, until=period.end)
            previous = await compute_stats(db=db, config=config, since=period.start - week,
                                           until=period.start)
            title = (f"Weekly support report: {period.start.astimezone(zone):%a %d %b} – "
                     f"{period.end.astimezone(zone):%a %d %b %Y}")
            text = stats_text(stats, title=title)
            blocks = build_stats_message(stats, report_targets(config), title=title, zone=zone,
                                         previous=previous, change_label="against the week before")
        series = await daily_series(db, days, until=period.end)
    chart_title = f"Tickets per day by priority and SLA met, last {CHART_DAYS[period.kind]} days"
    data = ChartData.from_series(days, series, zone, list(config.priorities))
    png = await asyncio.to_thread(render_chart, data, title=chart_title)
    name = f"support-{period.kind.value}-{period.end.astimezone(zone):%Y-%m-%d}.png"
    return ReportContent(text=text, blocks=blocks, chart_png=png, chart_name=name, chart_title=chart_title)
