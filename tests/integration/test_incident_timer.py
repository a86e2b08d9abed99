"""Real time: a live bot posts an incident's update reminder within one second of its
due time, woken by the exact timer armed when the incident was declared."""

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
from tests.incident_steps import declare


async def _reminder_seen_at(running: RunningBot, channel_id: str, deadline: float) -> datetime | None:
    while time.monotonic() < deadline:
        if any("Status update due" in (m.get("text") or "") for m in running.slack.messages(channel_id)):
            return datetime.now(UTC)
        await asyncio.sleep(0.02)  # real timers on the wall clock: how late the reminder comes is what is measured
    return None


async def test_reminder_fires_within_a_second_of_its_due_time(database_url, fake_slack):
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["incidents"]["update_cadence"]["P2"] = "4s"
    config = parse_config(policy)
    settings = make_settings(database_url, fake_slack.api_url)
    service = Service(build_runtime(settings=settings, config=config, clock=system_clock), host="127.0.0.1", port=0)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        running = RunningBot(service=service, sender=sender, slack=fake_slack, clock=None)  # type: ignore[arg-type]
        incident, _ = await declare(running, "P2 Real-time check")
        seen = await _reminder_seen_at(running, incident.channel_id, time.monotonic() + 10)
    finally:
        await sender.close()
        await service.stop()
    assert seen is not None, "the reminder never came"
    lateness = (seen - incident.next_update_due_at).total_seconds()
    assert -0.05 <= lateness < 1.0, f"reminder {lateness:.3f}s after its due time"
