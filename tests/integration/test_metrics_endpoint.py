"""`GET /metrics`: the Prometheus exposition, read from the database (one reading serves
the scrapes of a few seconds), plus the process's own counters: on a small aiohttp app,
and on the running bot; METRICS_TOKEN, and a listener of its own (``--metrics-port``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from sqlalchemy import event, func, select

from bot import metrics_endpoint
from bot.metrics_endpoint import GAUGE_CACHE_SECONDS, bearer_matches, metrics_handler
from bot.runtime import build_runtime
from bot.service import Service
from bot.telemetry import Telemetry
from models.pages import Page
from tests.conftest import make_settings
from tests.metrics_steps import Desk
from tests.paging_fixtures import start_bot
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


# -- who may scrape, where, and how often the database is read (#16 item 12) -------------------

@contextmanager
def counting_statements(engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers or {}) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_scrapes_within_the_window_share_one_reading_of_the_database(bot, serve):
    monotonic = [100.0]
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(sessions=bot.runtime.sessions, clock=bot.clock,
                                                   monotonic=lambda: monotonic[0]))
    url = await serve(app)
    with counting_statements(bot.runtime.engine) as reading:
        _, first = await scrape(url)
    assert reading and "supportbot_tickets_open" not in first  # no open ticket: no sample
    await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
    await bot.runtime.drain()
    with counting_statements(bot.runtime.engine) as statements:
        for _ in range(5):
            _, samples = await scrape(url)
        await asyncio.gather(*(scrape(url) for _ in range(10)))  # concurrent ones wait for one reading
        monotonic[0] += GAUGE_CACHE_SECONDS - 0.01
        _, samples = await scrape(url)
    assert statements == []
    assert "supportbot_tickets_open" not in samples  # the reading of the window, not yet the new ticket
    monotonic[0] += 0.01
    with counting_statements(bot.runtime.engine) as statements:
        await asyncio.gather(*(scrape(url) for _ in range(10)))
        _, samples = await scrape(url)
    assert len(statements) == len(reading)
    assert samples["supportbot_tickets_open"] == {(("priority", "P1"), ("tier", "tier1")): 1.0}


async def test_the_running_bot_reads_the_database_once_for_a_burst_of_scrapes(bot):
    with counting_statements(bot.runtime.engine) as reading:
        await scrape(bot.url)
    with counting_statements(bot.runtime.engine) as statements:
        await asyncio.gather(*(scrape(bot.url) for _ in range(20)))
    assert reading and statements == []


async def test_with_metrics_token_a_scrape_needs_it_as_a_bearer_token(database_url, fake_slack, clock, config):
    async with start_bot(database_url, fake_slack, clock, config, metrics_token="s3cret-t0ken") as bot:
        for refused in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-t0ken"},
                        {"Authorization": "Basic s3cret-t0ken"}, {"Authorization": "Bearer s3cret-t0ken2"},
                        {"Authorization": "Bearer"}, {"Authorization": "Bearer s3cret-t0ké"}):
            status, body, headers = await get(f"{bot.url}/metrics", refused)
            assert status == 401, refused
            assert headers["WWW-Authenticate"].startswith("Bearer") and "METRICS_TOKEN" in body
            assert "supportbot_" not in body
        for accepted in ("Bearer s3cret-t0ken", "bearer s3cret-t0ken", "Bearer  s3cret-t0ken "):
            status, body, _ = await get(f"{bot.url}/metrics", {"Authorization": accepted})
            assert status == 200 and "supportbot_tickets_open" in body, accepted
        assert (await get(f"{bot.url}/healthz"))[0] == 200  # the load balancer's check needs no token


def test_the_token_is_compared_in_constant_time(monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    monkeypatch.setattr(metrics_endpoint.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or a == b)
    assert bearer_matches("t0ken", "Bearer t0ken")
    assert not bearer_matches("t0ken", "Bearer t0kem")
    assert not bearer_matches("t0ken", None)  # compared all the same
    assert compared == [(b"t0ken", b"t0ken"), (b"t0kem", b"t0ken"), (b"", b"t0ken")]


async def test_metrics_port_serves_metrics_alone_and_the_main_port_no_longer(database_url, fake_slack, clock,
                                                                             config):
    settings = make_settings(database_url, fake_slack.api_url, metrics_token="t0ken")
    service = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0,
                      timers=False, metrics_host="127.0.0.1", metrics_port=0)
    await service.start()
    try:
        main, metrics = f"http://127.0.0.1:{service.port}", f"http://127.0.0.1:{service.metrics_port}"
        assert service.metrics_port not in (None, service.port)
        bearer = {"Authorization": "Bearer t0ken"}
        assert (await get(f"{main}/metrics", bearer))[0] == 404
        assert (await get(f"{main}/healthz"))[0] == 200
        status, body, _ = await get(f"{metrics}/metrics", bearer)
        assert status == 200 and "supportbot_tickets_open" in body
        assert (await get(f"{metrics}/metrics"))[0] == 401  # the token still applies there
        assert (await get(f"{metrics}/healthz"))[0] == 404
    finally:
        await service.stop()
