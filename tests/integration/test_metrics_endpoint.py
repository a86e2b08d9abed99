"""`GET /metrics`: the Prometheus exposition, read from the database at each scrape, plus
the process's own counters: on a small aiohttp app, and on the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.metrics_endpoint import metrics_handler
from bot.telemetry import Telemetry
from models.pages import Page
from tests.metrics_steps import Desk
from tests.ticket_steps import create_ticket

NAMES = {
    "supportbot_tickets_open", "supportbot_sla_breaches", "supportbot_pages_sent", "supportbot_pages_acknowledged",
    "supportbot_outbox_depth", "supportbot_slack_api_errors", "supportbot_http_request_duration_seconds",
}


@pytest.fixture
async def serve() -> AsyncIterator:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def scrape(url: str) -> tuple[str, dict[str, dict[tuple, float]]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        assert response.status == 200
        body = await response.text()
        content_type = response.headers["Content-Type"]
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return content_type, samples


async def test_metrics_expose_database_numbers_and_process_counters(bot, serve):
    desk = Desk(bot)
    ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
    await create_ticket(bot, "How do exports work?", category="General question", priority="P3")
    await desk.at(bot.clock() + timedelta(hours=1, minutes=1))    # P1 first response breached: escalated to tier2

    telemetry = Telemetry()
    telemetry.count_slack_error("chat.postMessage", "ratelimited")
    app = web.Application(middlewares=[telemetry.request_middleware()])
    app.router.add_get("/metrics", metrics_handler(sessions=bot.runtime.sessions, clock=bot.clock, telemetry=telemetry))
    url = await serve(app)

    await scrape(url)                                               # the first scrape is timed by the second
    content_type, samples = await scrape(url)
    assert content_type.startswith("text/plain") and "version=" in content_type
    assert {name.removesuffix("_total").removesuffix("_bucket") for name in samples} >= NAMES
    assert samples["supportbot_tickets_open"] == {
        (("priority", "P1"), ("tier", "tier2")): 1.0, (("priority", "P3"), ("tier", "triage")): 1.0}
    assert samples["supportbot_sla_breaches_total"] == {(("clock", "first_response"), ("priority", "P1")): 1.0}
    async with bot.runtime.sessions() as db:
        pages = (await db.execute(select(func.count()).select_from(Page))).scalar_one()
    assert samples["supportbot_pages_sent_total"][(("subject", "ticket"),)] == pages
    assert samples["supportbot_slack_api_errors_total"] == {
        (("error", "ratelimited"), ("method", "chat.postMessage")): 1.0}
    assert samples["supportbot_http_request_duration_seconds_count"][
        (("method", "GET"), ("route", "/metrics"), ("status", "200"))] == 1.0
    assert ticket.number == 1


async def test_the_running_bot_serves_metrics_with_its_own_telemetry(bot):
    await create_ticket(bot, "Cannot log in", category="Login problems", priority="P0")
    bot.slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError):
        await bot.runtime.deps.slack.chat_postMessage(channel="C0TRIAGE01", text="x")
    _, samples = await scrape(bot.url)
    errors = samples["supportbot_slack_api_errors_total"]
    assert errors[(("error", "channel_not_found"), ("method", "chat.postMessage"))] == 1.0
    latency = samples["supportbot_http_request_duration_seconds_count"]
    assert latency[(("method", "POST"), ("route", "/slack/events"), ("status", "200"))] >= 2
    assert samples["supportbot_tickets_open"] == {(("priority", "P0"), ("tier", "tier1")): 1.0}
    assert samples["supportbot_outbox_depth"][(("queue", "sla_notifications"),)] == 0.0
