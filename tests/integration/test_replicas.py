"""Several replicas on one Postgres: two real `supportbot serve` processes, each with its
own scheduler, share one database. A ticket's SLA timers fire once across both (one
warning and one breach per place, one page); with the replica that took the ticket
killed (SIGKILL) before its deadlines, the other still delivers them.

Real clock, real processes: the policy's P0 first response is a few seconds."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, SIGNING_SECRET
from tests.dbutil import test_database_kind
from tests.fakes.slack import FakeSlack, view_state
from tests.fakes.slack_requests import SlackSender, view_submission_payload
from tests.integration.test_cli import _free_port
from tests.ticket_steps import REPORTER
from tests.waiting import healthz, until

pytestmark = pytest.mark.skipif(
    test_database_kind() != "postgres",
    reason="replicas share one Postgres database (row locks, advisory lock): run with "
           "DATABASE_URL=postgresql+asyncpg://… — SQLite is one file for one process",
)

TIER1, ONCALL = "C0TIER1FL", "C0ONCALL01"
FIRST_RESPONSE_SECONDS = 6  # warning at half of it, breach at the end


@dataclass
class Replica:
    name: str
    port: int
    proc: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _policy(tmp_path: Path) -> Path:
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P0"].update(first_response=f"{FIRST_RESPONSE_SECONDS}s", resolution="1h", warn_at=0.5)
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


async def _start(name: str, env: dict[str, str], policy: Path, tmp_path: Path) -> Replica:
    port = _free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--host", "127.0.0.1",
            "--config", str(policy), env=env, cwd=tmp_path, stdout=out, stderr=asyncio.subprocess.STDOUT)
    return Replica(name, port, proc, log)


@pytest.fixture
async def replicas(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[list[Replica]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    env.update(SLACK_BOT_TOKEN=fake_slack.bot_token, SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=fake_slack.api_url, DATABASE_URL=database_url)
    policy = _policy(tmp_path)
    started = list(await asyncio.gather(*(_start(name, env, policy, tmp_path) for name in ("a", "b"))))
    try:
        # both migrated the same database at once
        await asyncio.gather(*(healthz(r.url, 20, process=r.proc, output=r.output) for r in started))
        yield started
    finally:
        for replica in started:
            if replica.proc.returncode is None:
                replica.proc.send_signal(signal.SIGTERM)
        for replica in started:
            try:
                await asyncio.wait_for(replica.proc.wait(), timeout=15)
            except TimeoutError:
                replica.proc.kill()
                await replica.proc.wait()


def _texts(fake: FakeSlack, word: str) -> list[str]:
    return [m.get("text") or "" for m in fake.messages() if word in (m.get("text") or "")]


def _pages(fake: FakeSlack) -> list[dict]:
    """Page mirrors: the top-level messages in the on-call channel."""
    return [m for m in fake.messages(ONCALL) if m.get("thread_ts") in (None, m["ts"])]


async def _open_ticket(fake: FakeSlack, sender: SlackSender, summary: str) -> None:
    """Open a ticket and wait until it is wholly created: its card posted AND recorded (the
    reporter's confirmation comes after that). Crashes between storing a ticket and sending
    its card are tests/integration/test_outbox.py's case."""
    cards = len(fake.messages(TIER1))
    confirmations = len(fake.calls_to("chat.postEphemeral"))
    opened = len(fake.calls_to("views.open"))
    assert (await sender.slash("/ticket", summary, user_id=REPORTER)).status == 200
    await fake.wait_for("views.open", count=opened + 1)
    view = fake.latest_view()
    state = view_state(view, {"Category": "Login problems", "Priority": "P0", "Customer": "ACME Corp"})
    reply = await sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    assert reply.status == 200 and not reply.body, reply.body
    await until(lambda: len(fake.messages(TIER1)) > cards, 5, what=f"the card of {summary!r}")
    await fake.wait_for("chat.postEphemeral", count=confirmations + 1)


def _counts(fake: FakeSlack) -> tuple[int, int, int]:
    return len(_texts(fake, "SLA warning")), len(_texts(fake, "SLA breached")), len(_pages(fake))


async def test_two_replicas_fire_each_timer_once_and_survive_losing_one(replicas, fake_slack):
    a, b = replicas
    async with SlackSender(a.url, SIGNING_SECRET) as via_a:
        await _open_ticket(fake_slack, via_a, "Checkout down")
        # One warning and one breach in each place (thread and tier channel), one page.
        await until(lambda: _counts(fake_slack) == (2, 2, 1), FIRST_RESPONSE_SECONDS + 6,
                    what="the first ticket's warning, breach and page")
        # The replicas are other processes on real timers (no drain reaches them): this pause
        # lets both outbox relays (every second) run again, and nothing may have doubled since.
        await asyncio.sleep(1.5)
        assert _counts(fake_slack) == (2, 2, 1), "\n".join(_texts(fake_slack, "SLA"))

        await _open_ticket(fake_slack, via_a, "Payments down")
    a.proc.kill()  # SIGKILL: no goodbye, its exact timers die with it
    await a.proc.wait()
    # b learns of the ticket by its own periodic sweep (a's exact timer died with it): allow
    # a few sweep periods on a loaded machine; this checks delivery, not latency.
    await until(lambda: _counts(fake_slack) == (4, 4, 2), FIRST_RESPONSE_SECONDS + 20,
                what="the second ticket's warning, breach and page from b")
    await asyncio.sleep(1.0)  # b's relay runs again on its real timer (as above): nothing may double
    assert _counts(fake_slack) == (4, 4, 2), "\n".join(_texts(fake_slack, "SLA"))
    assert b.proc.returncode is None, b.output()
    assert "Traceback" not in b.output(), b.output()
