"""Fixtures for paging tests: the fake PagerDuty and the bot wired to it.

Use them from a test module with ``from tests.paging_fixtures import *``:

    pagerduty     a started `FakePagerDuty` (Events v2 + REST ``/oncalls``)
    paged_bot     the real bot over HTTP with PAGERDUTY_ROUTING_KEY, PAGERDUTY_EVENTS_URL,
                  PAGERDUTY_API_TOKEN, PAGERDUTY_API_URL and PAGERDUTY_WEBHOOK_SECRET set
    start_bot     an async context manager to start a bot with other settings or config
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from workflows.policy.schema import AppConfig
from bot.runtime import build_runtime
from bot.service import Service
from tests.conftest import SIGNING_SECRET, RunningBot, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SlackSender

__all__ = ["WEBHOOK_SECRET", "pagerduty", "paged_bot", "start_bot", "pagerduty_settings"]

WEBHOOK_SECRET = "pd-webhook-secret"


def pagerduty_settings(pagerduty: FakePagerDuty, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        pagerduty_routing_key=pagerduty.routing_key, pagerduty_events_url=pagerduty.url,
        pagerduty_api_token=pagerduty.api_token, pagerduty_api_url=pagerduty.url,
        pagerduty_webhook_secret=WEBHOOK_SECRET,
    )
    values.update(overrides)
    return values


@asynccontextmanager
async def start_bot(database_url: str, fake_slack: FakeSlack, clock: FakeClock, config: AppConfig,
                    **settings: Any) -> AsyncIterator[RunningBot]:
    runtime = build_runtime(settings=make_settings(database_url, fake_slack.api_url, **settings), config=config,
                            clock=clock)
    if runtime.pagerduty is not None:
        runtime.pagerduty.rate_limit_sleep = 0.01  # the one in-call retry of a 429, without the wait
    service = Service(runtime, host="127.0.0.1", port=0, timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        yield RunningBot(service=service, sender=sender, slack=fake_slack, clock=clock)
    finally:
        await sender.close()
        await service.stop()


@pytest.fixture
async def pagerduty() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
async def paged_bot(database_url: str, fake_slack: FakeSlack, clock: FakeClock, config: AppConfig,
                    pagerduty: FakePagerDuty) -> AsyncIterator[RunningBot]:
    async with start_bot(database_url, fake_slack, clock, config, **pagerduty_settings(pagerduty)) as running:
        yield running
