"""`supportbot doctor` against the fake Slack, the fake PagerDuty and a real database:
one line per check, ✓ or ✗ with the fix, exit 1 when anything is wrong."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import pytest

from workflows.policy.schema import AppConfig
from bot.database import (
    downgrade_database,
    head_revision,
    make_engine,
    ping,
    upgrade_database,
)
from bot.doctor import named_channels, named_users, run_checks
from bot.doctor_checks import CheckResult
from tests.conftest import REPO_ROOT, make_settings
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.slack import FakeSlack

WEBHOOK_SECRET = "pd-webhook-secret"


@pytest.fixture
async def pagerduty() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()
    return database_url


def _settings(url: str, slack: FakeSlack, pagerduty: FakePagerDuty, **overrides: object):
    values: dict[str, object] = {
        "slack_app_token": slack.app_token,
        "pagerduty_routing_key": pagerduty.routing_key, "pagerduty_events_url": pagerduty.url,
        "pagerduty_api_token": pagerduty.api_token, "pagerduty_api_url": pagerduty.url,
        "pagerduty_webhook_secret": WEBHOOK_SECRET,
    }
    values.update(overrides)
    return make_settings(url, slack.api_url, **values)


def _problems(results: list[CheckResult]) -> list[str]:
    return [r.line() for r in results if not r.ok]


async def test_a_ready_deployment_is_all_green(migrated_url, fake_slack, pagerduty, config: AppConfig):
    results = await run_checks(_settings(migrated_url, fake_slack, pagerduty), config)
    assert _problems(results) == []
    lines = [r.line() for r in results]
    assert all(line.startswith("✓ ") for line in lines)
    assert lines[0].startswith("✓ SLACK_BOT_TOKEN valid: @supportbot (U0BOT)")
    assert any("SLACK_APP_TOKEN valid" in line for line in lines)
    assert any("bot scopes present" in line for line in lines)
    channel_lines = [line for line in lines if "the bot is a member" in line]
    assert len(channel_lines) == len(named_channels(config)) == 7
    assert "✓ channels.oncall #c0oncall01 (C0ONCALL01): exists, the bot is a member" in lines
    assert f"{len(named_users(config))} people named in app.yaml exist" in "\n".join(lines)
    assert any(f"at the latest migration ({head_revision()})" in line for line in lines)
    assert any("PAGERDUTY_ROUTING_KEY has the shape" in line for line in lines)
    assert any("PAGERDUTY_API_TOKEN accepted (GET /abilities" in line for line in lines)
    assert [c.path for c in pagerduty.calls] == ["/abilities"]  # nothing paged
    assert fake_slack.calls_to("chat.postMessage") == [] and fake_slack.calls_to("conversations.join") == []


async def test_a_missing_scope_is_named_with_the_fix(migrated_url, pagerduty, config):
    async with FakeSlack(missing_scopes=["pins:write", "users:read"]) as slack:
        results = await run_checks(_settings(migrated_url, slack, pagerduty), config)
    [problem] = _problems(results)
    assert problem.startswith("✗ bot scopes missing: pins:write, users:read — fix: ")
    assert "OAuth & Permissions" in problem and "reinstall" in problem


async def test_a_channel_the_bot_is_not_in_and_one_that_does_not_exist(migrated_url, fake_slack, pagerduty, config):
    fake_slack.add_channel("C0ONCALL01", "oncall", bot_member=False)
    fake_slack.forget_channel("C0TIER4EX")
    settings = _settings(migrated_url, fake_slack, pagerduty)
    problems = _problems(await run_checks(settings, config))
    assert problems == [
        ("✗ channels.oncall #oncall (C0ONCALL01): the bot is not a member — fix: `/invite @supportbot` in #oncall "
         "(or run `supportbot doctor --join`: the bot joins the public channels it is missing from)"),
        ("✗ tiers[tier4].channel C0TIER4EX: no such channel (or a private one the bot is not in) — fix: use the id "
         "of an existing channel (open it, click its name: the Channel ID is at the bottom); for a private "
         "channel, `/invite @supportbot` there first"),
    ]
    joined = await run_checks(settings, config, join=True)
    assert "✓ channels.oncall #oncall (C0ONCALL01): the bot joined it now" in [r.line() for r in joined]
    assert "U0BOT" in fake_slack.members["C0ONCALL01"]


async def test_a_private_channel_without_the_bot_is_not_found(migrated_url, fake_slack, pagerduty, config):
    fake_slack.add_channel("C0TIER2TS", "tier2-private", bot_member=False, is_private=True)
    [problem] = _problems(await run_checks(_settings(migrated_url, fake_slack, pagerduty), config, join=True))
    assert problem.startswith("✗ tiers[tier2].channel C0TIER2TS: no such channel")


async def test_an_unknown_user_id_is_named_with_where_it_is_used(migrated_url, fake_slack, pagerduty, config):
    fake_slack.forget_user("U0SECOND02")
    fake_slack.add_user("U0AGENT03")
    fake_slack.users["U0AGENT03"]["deleted"] = True
    problems = _problems(await run_checks(_settings(migrated_url, fake_slack, pagerduty), config))
    assert problems == [
        ("✗ oncall.rotation.secondary U0SECOND02: no such user in this workspace — fix: copy the person's "
         "member ID (their profile > ⋮ > Copy member ID)"),
        ("✗ tiers[tier2].members U0AGENT03 (u0agent03): deactivated — fix: take them out of app.yaml, or name who "
         "replaces them"),
    ]


async def test_a_database_not_migrated(database_url, fake_slack, pagerduty, config):
    engine = make_engine(database_url)
    assert await ping(engine)  # the database exists (SQLite: the file), empty
    await engine.dispose()
    [problem] = _problems(await run_checks(_settings(database_url, fake_slack, pagerduty), config))
    assert "never migrated" in problem and "supportbot db upgrade" in problem
    engine = make_engine(database_url)
    try:
        await upgrade_database(engine)
        await downgrade_database(engine, "0001")
    finally:
        await engine.dispose()
    [problem] = _problems(await run_checks(_settings(database_url, fake_slack, pagerduty), config))
    assert f"at migration 0001, the latest is {head_revision()}" in problem and "db upgrade" in problem


async def test_an_unreachable_database(fake_slack, pagerduty, config, tmp_path):
    missing = f"sqlite+aiosqlite:///{tmp_path}/nowhere.db"
    [problem] = _problems(await run_checks(_settings(missing, fake_slack, pagerduty), config))
    assert "the file does not exist" in problem
    assert not (tmp_path / "nowhere.db").exists()
    unreachable = "postgresql+asyncpg://nobody:secret@127.0.0.1:9/none"
    [problem] = _problems(await run_checks(_settings(unreachable, fake_slack, pagerduty), config))
    assert "unreachable" in problem and "secret" not in problem and "DATABASE_URL" in problem


async def test_a_bad_routing_key_a_refused_api_token_and_no_webhook_secret(migrated_url, fake_slack, pagerduty, config):
    settings = _settings(migrated_url, fake_slack, pagerduty, pagerduty_routing_key="abc123",
                         pagerduty_api_token="wrong", pagerduty_webhook_secret=None)
    problems = _problems(await run_checks(settings, config))
    assert len(problems) == 3
    assert problems[0].startswith("✗ PAGERDUTY_ROUTING_KEY is not an Events API v2 integration key (6 characters")
    assert "Integration Key" in problems[0]
    assert problems[1].startswith("✗ PAGERDUTY_API_TOKEN refused by PagerDuty (401)")
    assert problems[2].startswith("✗ PAGERDUTY_WEBHOOK_SECRET not set") and "/pagerduty/webhook" in problems[2]
    assert pagerduty.event_calls() == []


async def test_without_pagerduty_pages_go_to_slack_only(migrated_url, fake_slack, pagerduty, config):
    settings = _settings(migrated_url, fake_slack, pagerduty, pagerduty_routing_key=None, pagerduty_api_token=None)
    results = await run_checks(settings, config)
    assert _problems(results) == []
    assert results[-1].line() == "✓ PagerDuty not configured: pages go to Slack only (the on-call channel and a DM)"


async def test_refused_tokens(migrated_url, fake_slack, pagerduty, config):
    settings = _settings(migrated_url, fake_slack, pagerduty, slack_bot_token="xoxb-revoked")
    problems = _problems(await run_checks(settings, config))
    assert problems[0].startswith("✗ SLACK_BOT_TOKEN refused by Slack (invalid_auth) — fix: copy the Bot User")
    settings = _settings(migrated_url, fake_slack, pagerduty, slack_app_token="xapp-1-revoked")
    [problem] = _problems(await run_checks(settings, config))
    assert problem.startswith("✗ SLACK_APP_TOKEN refused by apps.connections.open (invalid_auth)")


async def _doctor(env: dict[str, str]) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_", "STATUSPAGE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "doctor", "--config", str(REPO_ROOT / "app.yaml"), env={**base, **env},
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, output.decode()


async def test_the_command_exits_0_when_all_is_well_and_1_on_any_problem(migrated_url, fake_slack, pagerduty):
    env = {"SLACK_BOT_TOKEN": fake_slack.bot_token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.api_url,
           "DATABASE_URL": migrated_url, "PAGERDUTY_ROUTING_KEY": pagerduty.routing_key,
           "PAGERDUTY_API_TOKEN": pagerduty.api_token, "PAGERDUTY_API_URL": pagerduty.url,
           "PAGERDUTY_WEBHOOK_SECRET": WEBHOOK_SECRET}
    code, output = await _doctor(env)
    assert code == 0, output
    lines = output.strip().splitlines()
    assert all(line.startswith("✓ ") for line in lines[:-1]) and lines[-1].endswith("all passed")
    fake_slack.forget_user("U0PRIMARY1")
    code, output = await _doctor(env)
    assert code == 1
    assert "✗ oncall.rotation.primary U0PRIMARY1: no such user" in output and "Traceback" not in output
    code, output = await _doctor({**env, "SLACK_BOT_TOKEN": ""})
    assert code == 1 and output.startswith("✗ set SLACK_BOT_TOKEN")


async def test_the_webhook_secret_is_checked_whenever_pagerduty_is_set_up(migrated_url, fake_slack, pagerduty, config):
    """Only a REST token (who is on call): the webhook could still be pointed at us."""
    settings = _settings(migrated_url, fake_slack, pagerduty, pagerduty_routing_key=None,
                         pagerduty_webhook_secret=None)
    [problem] = _problems(await run_checks(settings, config))
    assert problem.startswith("✗ PAGERDUTY_WEBHOOK_SECRET not set") and "refuses every request" in problem
