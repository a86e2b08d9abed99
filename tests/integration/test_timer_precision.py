"""The one real-time test: a live bot (real clock, real scheduler) fires an SLA warning
within one second of its due time, woken by the exact timer armed when the ticket was
created — not by a minute-granularity poll."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import yaml

from bot.clock import system_clock
from workflows.policy.loader import parse_config
from bot.runtime import build_runtime
from bot.service import Service
from tests.conftest import REPO_ROOT, SIGNING_SECRET, RunningBot, make_settings
from tests.fakes.slack_requests import SlackSender
from tests.ticket_steps import create_ticket


async def _warning_seen_at(bot: RunningBot, ticket, deadline: float) -> datetime | None:
    while time.monotonic() < deadline:
        if any("SLA warning" in (m.get("text") or "") for m in bot.slack.thread(ticket.channel_id, ticket.message_ts)):
            return datetime.now(UTC)
        await asyncio.sleep(0.02)  # real timers on the wall clock: how late the warning comes is what is measured
    return None


async def test_warning_fires_within_a_second_of_its_due_time(database_url, fake_slack):
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P0"].update(first_response="6s", resolution="1h", warn_at=0.5)
    config = parse_config(policy)
    settings = make_settings(database_url, fake_slack.api_url)
    service = Service(build_runtime(settings=settings, config=config, clock=system_clock), host="127.0.0.1", port=0)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        bot = RunningBot(service=service, sender=sender, slack=fake_slack, clock=None)  # type: ignore[arg-type]
        ticket = await create_ticket(bot, "Real-time check", priority="P0")
        due = ticket.created_at + (ticket.first_response_due_at - ticket.created_at) / 2
        seen = await _warning_seen_at(bot, ticket, time.monotonic() + 10)
    finally:
        await sender.close()
        await service.stop()
    assert seen is not None, "the warning never came"
    lateness = (seen - due).total_seconds()
    assert -0.05 <= lateness < 1.0, f"warning {lateness:.3f}s after its due time"
