"""The `supportbot` command as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import yaml

from tests.conftest import REPO_ROOT
from tests.waiting import healthz

CLI = [sys.executable, "-m", "bot.cli"]


def _run(args: list[str], env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    base.update(env or {})
    return subprocess.run(CLI + args, env=base, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_serve_without_tokens_exits_2_with_one_clear_line(tmp_path):
    result = _run(["serve", "--port", "0"], env={"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SLACK_BOT_TOKEN" in lines[0] and "SLACK_SIGNING_SECRET" in lines[0]
    assert "api.slack.com/apps" in lines[0]
    assert not (tmp_path / "x.db").exists()


def test_serve_with_only_the_signing_secret_missing_names_only_it(tmp_path):
    result = _run(["serve"], env={"SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr
    assert "SLACK_BOT_TOKEN" not in result.stderr


def test_check_config_accepts_the_example_policy():
    result = _run(["check-config", str(REPO_ROOT / "app.yaml")])
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_check_config_says_what_business_hours_targets_mean_without_failing():
    result = _run(["check-config", str(REPO_ROOT / "app.yaml")])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "business hours: mon, tue, wed, thu, fri 08:00-18:00 America/New_York, closed on US public holidays "
        "and 2 more days; a working day is 10h, 1w is 5 working days",
        "priorities.P2.resolution: 24h = 24 working hours ≈ 2.4 working days",
        "priorities.P3.first_response: 24h = 24 working hours ≈ 2.4 working days",
        "priorities.P3.resolution: 1w = 5 working days, at the same time of day",
    ]


def test_check_config_lists_every_problem_with_its_key_path(tmp_path):
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P1"]["first_response"] = "1 hour"
    policy["categories"][0]["tier"] = "tier9"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(policy))
    result = _run(["check-config", str(path)])
    assert result.returncode == 1
    assert "priorities.P1.first_response: '1 hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_reads_supportbot_config_when_no_path_is_given(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("timezone: Mars/Base\n")
    result = _run(["check-config"], env={"SUPPORTBOT_CONFIG": str(path)})
    assert result.returncode == 1
    assert "timezone" in result.stderr


def test_manifest_is_a_complete_slack_app_manifest():
    result = _run(["manifest", "--url", "https://support.example.com"])
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    events_url = "https://support.example.com/slack/events"
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/ticket", "/escalate", "/incident", "/oncall", "/kb"}
    assert all(c["url"] == events_url for c in commands.values())
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": events_url}
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events_url
    assert "message.channels" in manifest["settings"]["event_subscriptions"]["bot_events"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in ("commands", "chat:write", "channels:manage", "channels:history", "pins:write", "im:write"):
        assert scope in scopes


def test_manifest_refuses_a_url_that_is_not_https():
    result = _run(["manifest", "--url", "support.example.com"])
    assert result.returncode == 2
    assert "https://" in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path):
    db = tmp_path / "bot.db"
    result = _run(["db", "upgrade"], env={"DATABASE_URL": f"sqlite+aiosqlite:///{db}"})
    assert result.returncode == 0, result.stderr
    assert db.exists()
    import sqlite3

    tables = {row[0] for row in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"tickets", "ticket_events", "incidents", "pages", "slack_deliveries", "alembic_version"} <= tables


async def _printed(proc: asyncio.subprocess.Process, text: str, timeout: float = 10.0) -> bytes:
    """What ``proc`` printed up to the first line containing ``text``; fails if it does
    not come within ``timeout`` seconds."""
    lines: list[bytes] = []

    async def read() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            lines.append(line)
            if text.encode() in line:
                return
        raise AssertionError(f"the process ended without printing {text!r}:\n{b''.join(lines).decode()}")
    try:
        await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        raise AssertionError(f"{text!r} not printed within {timeout}s:\n{b''.join(lines).decode()}") from None
    return b"".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_migrates_listens_and_stops_cleanly_on_sigterm(tmp_path, fake_slack):
    """Also SIGHUP: a broken app.yaml is refused (problems logged) and the bot goes on."""
    policy = tmp_path / "app.yaml"
    policy.write_text((REPO_ROOT / "app.yaml").read_text())
    port = _free_port()
    db = tmp_path / "served.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
    )
    proc = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--port", str(port), "--host", "127.0.0.1", "--config", str(policy),
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        body = await healthz(f"http://127.0.0.1:{port}", process=proc)
        assert body["database"] == "up"
        policy.write_text("timezone: Mars/Base\n")
        proc.send_signal(signal.SIGHUP)
        before = await _printed(proc, "app.yaml reload refused")  # the reload has been handled
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
        output = before + rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, output.decode()
    assert "supportbot stopped" in output.decode()
    assert "app.yaml reload refused; the running policy is kept" in output.decode()
    assert "Traceback" not in output.decode()


def test_serve_help_names_the_metrics_listener_options():
    result = _run(["serve", "--help"])
    assert result.returncode == 0
    assert "--metrics-port" in result.stdout and "--metrics-host" in result.stdout


def test_metrics_host_without_metrics_port_exits_2(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    result = _run(["serve", "--port", "0", "--metrics-host", "127.0.0.1"], env=env)
    assert result.returncode == 2 and "--metrics-host needs --metrics-port" in result.stderr
    result = _run(["serve", "--port", "3999", "--metrics-port", "3999"], env=env)
    assert result.returncode == 2 and "--metrics-port must differ from --port" in result.stderr
    assert not (tmp_path / "x.db").exists()


async def test_serve_with_a_metrics_port_and_token_serves_metrics_there_only(tmp_path, fake_slack):
    port, metrics_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "METRICS_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake_slack.api_url,
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'served.db'}", METRICS_TOKEN="t0ken")
    proc = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--port", str(port), "--host", "127.0.0.1", "--metrics-port", str(metrics_port),
        "--config", str(REPO_ROOT / "app.yaml"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await healthz(f"http://127.0.0.1:{port}", process=proc)
        async with aiohttp.ClientSession() as http:
            bearer = {"Authorization": "Bearer t0ken"}
            async with http.get(f"http://127.0.0.1:{port}/metrics", headers=bearer) as resp:
                assert resp.status == 404
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as resp:
                assert resp.status == 401
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics", headers=bearer) as resp:
                assert resp.status == 200 and "supportbot_tickets_open" in await resp.text()
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, output.decode()
    assert f"GET /metrics on 127.0.0.1:{metrics_port} is protected by METRICS_TOKEN" in output.decode()
    assert "t0ken" not in output.decode()
