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
(read-only), then claimed with insert-or-ignore in the transaction that posts it and
records its message, so of two replicas or a restarted process only one posts. A
failed post rolls the claim back and the next run tries again; a period missed while
the bot was down is posted late by the first run after startup (only the latest one).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.digest_queries import new_tickets, open_by_age, overdue_tickets
from models.metrics_queries import daily_series
from models.report_runs import (
    ReportKind,
    claim_report_run,
    record_report_message,
    report_was_posted,
)
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
from workflows.reports.chart import ChartData, chart_days, render_chart
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
    """Post the report of ``period`` unless it was posted: 1 if this call posted it, else 0."""
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
        message = await deps.slack.chat_postMessage(channel=reports.channel, text=content.text,
                                                    blocks=content.blocks, unfurl_links=False)
        file_id = await _upload_chart(deps.slack, reports.channel, message["ts"], content)
        await record_report_message(db, kind=period.kind, period_start=period.start,
                                    message_ts=message["ts"], file_id=file_id)
    log.info("posted the %s report for %s to %s", period.kind, period.start, reports.channel)
    return 1


async def _upload_chart(slack: AsyncWebClient, channel: str, thread_ts: str,
                        content: ReportContent) -> str | None:
    """Upload the chart into the report's thread; a failure leaves the report without it."""
    try:
        upload = await slack.files_upload_v2(
            channel=channel, thread_ts=thread_ts, file=content.chart_png, filename=content.chart_name,
            title=content.chart_title, alt_txt=content.chart_title,
        )
    except SlackApiError as error:
        log.error("report chart not uploaded to %s: %s", channel, error.response.get("error"))
        return None
    files = upload.get("files") or [upload.get("file") or {}]
    return files[0].get("id")


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
