"""Postgres restarted under a running bot: /healthz turns 503 at once and requests are
answered (not hung) while it is down; once it is back the bot recovers by itself (the
pool pre-pings its connections) and an SLA warning that fell due meanwhile is posted
exactly once.

Real clock, real scheduler, and the real PostgreSQL cluster of the test server: it is
stopped with ``pg_ctlcluster … stop -m fast`` and always started again (and waited
for) before the test returns, because other tests share that server.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
import yaml

from bot.clock import system_clock
from workflows.policy.loader import parse_config
from bot.runtime import build_runtime
from bot.service import Service
from tests.conftest import REPO_ROOT, SIGNING_SECRET, RunningBot, make_settings
from tests.dbutil import test_database_kind
from tests.fakes.slack_requests import SlackSender
from tests.ticket_steps import create_ticket
from tests.waiting import until

CLUSTERS = Path("/etc/postgresql")

pytestmark = pytest.mark.skipif(
    test_database_kind() != "postgres" or not CLUSTERS.is_dir() or shutil.which("pg_ctlcluster") is None,
    reason="stops and starts the local PostgreSQL cluster: run with DATABASE_URL=postgresql+asyncpg://… on a "
           "machine with pg_ctlcluster (SQLite has no server to restart)",
)

WARNING_AFTER = 5.0  # seconds from the ticket's creation (P0 first response 20s, warn at 25%)


async def _cluster(action: str) -> None:
    version = sorted(p.name for p in CLUSTERS.iterdir())[0]
    proc = await asyncio.create_subprocess_exec(
        "pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *(["-m", "fast"] if action == "stop" else []),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0 or (action == "start" and b"already running" in output), output.decode()


async def _ready(timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc = await asyncio.create_subprocess_exec("pg_isready", "-h", "127.0.0.1", "-p", "5432",
                                                    stdout=asyncio.subprocess.DEVNULL)
        if await proc.wait() == 0:
            return True
        await asyncio.sleep(0.1)
    return False


async def _health(sender: SlackSender) -> tuple[int, float]:
    reply = await sender.get("/healthz")
    return reply.status, reply.elapsed


def _warnings(bot: RunningBot, ticket) -> tuple[int, int]:
    in_thread = [m for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if "SLA warning" in (m.get("text") or "")]
    in_channel = [m for m in bot.slack.messages(ticket.channel_id)
                  if m.get("thread_ts") in (None, m["ts"]) and "SLA warning" in (m.get("text") or "")]
    return len(in_thread), len(in_channel)


async def test_the_bot_rides_out_a_postgres_restart(database_url, fake_slack, caplog):
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P0"].update(first_response="20s", resolution="1h", warn_at=WARNING_AFTER / 20)
    service = Service(build_runtime(settings=make_settings(database_url, fake_slack.api_url),
                                    config=parse_config(policy), clock=system_clock), host="127.0.0.1", port=0)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET, timeout=10)
    bot = RunningBot(service=service, sender=sender, slack=fake_slack, clock=None)  # type: ignore[arg-type]
    stopped = False
    try:
        assert (await _health(sender))[0] == 200
        ticket = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P0")
        created = time.monotonic()
        stopped = True
        await _cluster("stop")

        status, elapsed = await _health(sender)
        assert (status, elapsed < 2.5) == (503, True), (status, elapsed)
        started = time.monotonic()
        reply = await sender.slash("/ticket", "mine", user_id="U0AGENT01", channel_id="C0GENERAL",
                                   response_url=fake_slack.response_url("down"))
        assert reply.status == 200 and time.monotonic() - started < 3
        [answer] = await fake_slack.wait_for_response("down", timeout=5)
        assert answer["response_type"] == "ephemeral" and "database" in answer["text"].lower(), answer
        assert time.monotonic() - started < 5
        assert any(r.getMessage().startswith("database unavailable while handling a /ticket request")
                   for r in caplog.records)

        await asyncio.sleep(max(0.0, created + WARNING_AFTER + 0.5 - time.monotonic()))  # due while down
        assert _warnings(bot, ticket) == (0, 0)
        await _cluster("start")
        assert await _ready()
        stopped = False

        async def healthy() -> bool:
            return (await _health(sender))[0] == 200
        await until(healthy, 10, what="/healthz 200 after the restart", every=0.1)

        async def warned() -> bool:
            return _warnings(bot, ticket) != (0, 0)
        await until(warned, 12, what="the SLA warning that fell due while the database was down", every=0.1)
        await asyncio.sleep(1.5)
        assert _warnings(bot, ticket) == (1, 1)
    finally:
        try:
            if stopped:
                await _cluster("start")
            assert await _ready(), "the PostgreSQL cluster did not come back"
        finally:
            await sender.close()
            await service.stop()
