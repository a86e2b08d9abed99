"""A scheduled report through the outbox: its message, then its chart in that message's thread.

    async with deps.sessions.begin() as db:
        if await claim_report_run(db, ...):
            await owe_report(db, kind=..., period_start=..., channel=..., content=content, now=now)
    await deliver_outbox(deps, lanes=[channel])

The claim commits with the two rows it owes, in a short write transaction (no Slack
call inside it: on SQLite a write transaction holds the database's one write lock).
The relay then posts the message and records its ts on the run, and uploads the chart
into its thread and records the file. Slack refusing either is retried like any
outbox message; a chart refused for good leaves the report without it, and a report
given up on takes its chart with it.

The chart travels in the row (base64 PNG, tens of kilobytes), drawn when the period
was claimed, so a retry sends the same picture.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import OutboxKind, OutboxMessage, enqueue
from models.report_runs import ReportKind, get_report_run, record_report_chart, record_report_message
from workflows.deps import Deps, OutboxStep
from workflows.outbox.calls import Answer, Delivery, SlackCall, call_delivery

__all__ = ["OUTBOX_STEPS", "owe_report", "prepare_report", "prepare_report_chart"]


async def owe_report(db: AsyncSession, *, kind: ReportKind, period_start: datetime, channel: str, text: str,
                     blocks: list[dict[str, Any]], chart_png: bytes, chart_name: str, chart_title: str,
                     now: datetime) -> None:
    """Owe the report's message and its chart, in the caller's (claiming) transaction."""
    run = {"kind": kind.value, "period_start": period_start.isoformat()}
    await enqueue(db, lane=channel, kind=OutboxKind.REPORT, now=now, payload={
        "channel": channel, "text": text, "blocks": blocks, "unfurl_links": False, "report": run})
    await enqueue(db, lane=channel, kind=OutboxKind.REPORT_CHART, now=now, payload={
        "channel": channel, "report": run, "filename": chart_name, "title": chart_title,
        "png": base64.b64encode(chart_png).decode("ascii")})


def _run_of(row: OutboxMessage) -> tuple[ReportKind, datetime]:
    run = row.payload["report"]
    return ReportKind(run["kind"]), datetime.fromisoformat(run["period_start"])


async def prepare_report(db: AsyncSession, deps: Deps, row: OutboxMessage) -> Delivery:
    kind, start = _run_of(row)
    args = {k: row.payload[k] for k in ("channel", "text", "blocks", "unfurl_links") if k in row.payload}

    async def record(db: AsyncSession, answer: Answer) -> None:
        await record_report_message(db, kind=kind, period_start=start, message_ts=str(answer["ts"]))

    return call_delivery(SlackCall("chat.postMessage", args), record=record)


async def prepare_report_chart(db: AsyncSession, deps: Deps, row: OutboxMessage) -> Delivery | None:
    kind, start = _run_of(row)
    run = await get_report_run(db, kind, start)
    if run is None or not run.message_ts:
        return None  # the report itself was given up on: no thread to put its chart in
    channel, thread_ts = str(row.payload["channel"]), run.message_ts
    name, title = str(row.payload["filename"]), str(row.payload["title"])
    png = base64.b64decode(row.payload["png"])

    async def send(slack: AsyncWebClient) -> Answer:
        return await slack.files_upload_v2(channel=channel, thread_ts=thread_ts, file=png, filename=name,
                                           title=title, alt_txt=title)

    async def record(db: AsyncSession, answer: Answer) -> None:
        files = answer.get("files") or [answer.get("file") or {}]
        await record_report_chart(db, kind=kind, period_start=start, file_id=files[0].get("id"))

    return Delivery(send=send, record=record, text=f"chart {name} of the {kind.value} report")


#: The outbox kinds this room owns, for ``Deps.outbox_steps`` (``bot/runtime.py``).
OUTBOX_STEPS: Mapping[OutboxKind, OutboxStep] = {
    OutboxKind.REPORT: prepare_report,
    OutboxKind.REPORT_CHART: prepare_report_chart,
}
