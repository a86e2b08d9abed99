"""Shared fixtures: a throwaway database, the fake Slack Web API, a fake clock, and the
real bot serving HTTP on an ephemeral port, wired to all three."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflows.policy.loader import load_config
from workflows.policy.schema import AppConfig
from bot.runtime import Runtime, build_runtime
from bot.service import Service
from bot.settings import Settings
from tests.dbutil import test_database_kind, throwaway_database
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SlackSender

REPO_ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def config() -> AppConfig:
    return load_config(REPO_ROOT / "app.yaml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    async with throwaway_database(test_database_kind()) as url:
        yield url


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(bot_token=BOT_TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@dataclass
class RunningBot:
    service: Service
    sender: SlackSender
    slack: FakeSlack
    clock: FakeClock

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}"

    @property
    def runtime(self) -> Runtime:
        return self.service.runtime


def make_settings(database_url: str, slack_api_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api_url,
        database_url=database_url,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def bot(database_url: str, fake_slack: FakeSlack, clock: FakeClock, config: AppConfig) -> AsyncIterator[RunningBot]:
    settings = make_settings(database_url, fake_slack.api_url)
    # Time moves only when a test says so: the test runs the sweeps itself.
    service = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0,
                      timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    try:
        yield RunningBot(service=service, sender=sender, slack=fake_slack, clock=clock)
    finally:
        await sender.close()
        await service.stop()
