"""MTTA (page to acknowledgement) and MTTR (declaration to resolution) per priority, in
`/ticket stats`, `supportbot report` (table, CSV, JSON) and `GET /metrics` (histograms).

On the fake clock: a P0 incident paged at T0, acknowledged 4 minutes later, resolved after
30 minutes; a P1 paged at T0 + 1h, acknowledged 10 minutes later, resolved after 2 hours.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from aiohttp import web
from sqlalchemy import select

from bot.metrics_endpoint import metrics_handler
from models.pages import Page, PageStatus
from tests.fakes.clock import DEFAULT_START
from tests.fakes.slack_requests import block_actions_payload
from tests.incident_steps import PRIMARY, declare, run_in_war_room, settle
from tests.integration.test_metrics_endpoint import scrape, serve  # noqa: F401  (fixture)
from tests.integration.test_report_cli import report
from tests.integration.test_stats_command import stats
from tests.waiting import until
from workflows.paging.ids import PageAction

T0 = DEFAULT_START


async def _page_of(bot, incident_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.subject_id == incident_id)
                                 .execution_options(populate_existing=True))).scalar_one()


async def _acknowledge(bot, incident_id: int) -> None:
    page = await _page_of(bot, incident_id)
    message = bot.slack.message(page.mirror_channel_id, page.mirror_ts)
    payload = block_actions_payload(str(PageAction.PAGE_ACKNOWLEDGE), str(page.id), user_id=PRIMARY,
                                    channel_id=page.mirror_channel_id, message=message,
                                    response_url=bot.slack.response_url(f"ack-{page.id}"))
    assert (await bot.sender.interactive(payload)).status == 200

    async def acknowledged() -> bool:
        return (await _page_of(bot, incident_id)).status == PageStatus.ACKNOWLEDGED

    await until(acknowledged, what="the acknowledgement")
    await settle(bot)


async def two_incidents(bot) -> None:
    clock = bot.clock
    clock.set(T0)
    p0, _ = await declare(bot, "P0 Everything is down")
    await settle(bot)
    clock.set(T0 + timedelta(minutes=4))
    await _acknowledge(bot, p0.id)
    clock.set(T0 + timedelta(minutes=30))
    await run_in_war_room(bot, p0, "resolve Fixed", then="resolved")
    clock.set(T0 + timedelta(hours=1))
    p1, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    clock.set(T0 + timedelta(hours=1, minutes=10))
    await _acknowledge(bot, p1.id)
    clock.set(T0 + timedelta(hours=3))
    await run_in_war_room(bot, p1, "resolve Fixed", then="resolved")
    clock.set(T0 + timedelta(hours=4))


async def test_mtta_and_mttr_in_stats_report_and_metrics(bot, database_url, serve):  # noqa: F811
    await two_incidents(bot)

    answer = await stats(bot, "stats 1d", "incident-stats")
    text = "\n".join(b["text"]["text"] for b in answer["blocks"] if b.get("type") == "section" and "text" in b)
    assert "*On-call and incidents*" in text
    assert "• `P0` Critical: MTTA 4m (1 page) · MTTR 30m (1 incident)" in text
    assert "• `P1` High: MTTA 10m (1 page) · MTTR 2h (1 incident)" in text
    assert "• All priorities: MTTA 7m (2 pages) · MTTR 1h 15m (2 incidents)" in text
    narrowed = await stats(bot, "stats 1d tier2", "narrowed")
    assert "On-call and incidents" not in json.dumps(narrowed["blocks"])

    until_ = (T0 + timedelta(hours=4)).astimezone(bot.runtime.config.zone).strftime("%Y-%m-%d %H:%M")
    as_csv = report(database_url, "--since", "1d", "--until", until_, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = {(r["metric"], r["scope"]): r for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert rows[("mtta", "P0")] == {"metric": "mtta", "scope": "P0", "value": "240", "numerator": "",
                                    "denominator": "1", "target": "", "unit": "seconds"}
    assert rows[("mtta", "all")]["value"] == "420" and rows[("mtta", "all")]["denominator"] == "2"
    assert rows[("mttr", "P1")]["value"] == "7200" and rows[("mttr", "all")]["value"] == "4500"
    assert rows[("mttr", "P2")]["value"] == "" and rows[("mttr", "P2")]["denominator"] == "0"
    as_json = report(database_url, "--since", "1d", "--until", until_, "--format", "json")
    metrics = json.loads(as_json.stdout)["metrics"]
    assert {"metric": "mttr", "scope": "P0", "value": 1800, "numerator": None, "denominator": 1, "target": None,
            "unit": "seconds"} in metrics
    table = report(database_url, "--since", "1d", "--until", until_, "--format", "table").stdout
    assert any(line.split()[:3] == ["mtta", "P1", "10m"] for line in table.splitlines())
    assert any(line.split()[:3] == ["mttr", "all", "1h"] for line in table.splitlines())

    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(sessions=bot.runtime.sessions, clock=bot.clock))
    _, samples = await scrape(await serve(app))
    acked = samples["supportbot_time_to_acknowledge_seconds_bucket"]
    assert acked[(("le", "300.0"), ("priority", "P0"))] == 1 and acked[(("le", "60.0"), ("priority", "P0"))] == 0
    assert acked[(("le", "300.0"), ("priority", "P1"))] == 0 and acked[(("le", "900.0"), ("priority", "P1"))] == 1
    assert samples["supportbot_time_to_acknowledge_seconds_sum"][(("priority", "P1"),)] == 600
    resolved = samples["supportbot_time_to_resolve_seconds_bucket"]
    assert resolved[(("le", "1800.0"), ("priority", "P0"))] == 1
    assert resolved[(("le", "3600.0"), ("priority", "P1"))] == 0 and resolved[(("le", "+Inf"), ("priority", "P1"))] == 1
    assert samples["supportbot_time_to_resolve_seconds_count"][(("priority", "P1"),)] == 1
