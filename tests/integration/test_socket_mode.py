"""Socket Mode: the same app over Slack's WebSocket (a local fake), acknowledged by
envelope_id; `/healthz` still on the port, `POST /slack/events` not served; `serve
--socket-mode` as a real process, its refusals and its clean shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import aiohttp
import pytest
import yaml

from workflows.policy.schema import AppConfig
from bot.runtime import build_runtime
from bot.service import Service
from tests.conftest import REPO_ROOT, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlack, view_state
from tests.fakes.slack_requests import new_trigger_id, view_submission_payload
from tests.fakes.slack_socket import FakeSocketMode
from tests.integration.test_cli import CLI, _free_port, _run
from tests.ticket_steps import REPORTER
from tests.waiting import healthz


@pytest.fixture
async def socket(fake_slack: FakeSlack) -> AsyncIterator[FakeSocketMode]:
    async with FakeSocketMode(fake_slack) as server:
        yield server


@pytest.fixture
async def socket_bot(database_url: str, fake_slack: FakeSlack, socket: FakeSocketMode, clock: FakeClock,
                     config: AppConfig) -> AsyncIterator[Service]:
    settings = make_settings(database_url, fake_slack.api_url, slack_app_token=fake_slack.app_token,
                             slack_signing_secret="")
    service = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0,
                      timers=False, socket_mode=True)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def test_slash_command_envelope_is_acknowledged_and_opens_the_modal(socket_bot, socket, fake_slack):
    await socket.wait_connected()
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {fake_slack.app_token}"
    assert socket.received == []  # nothing sent before Slack sends something
    trigger = new_trigger_id()
    ack = await socket.slash("/ticket", "VPN down", user_id=REPORTER, trigger_id=trigger)
    assert set(ack) <= {"envelope_id", "payload"} and ack["envelope_id"] in socket.acks
    [views_open] = await fake_slack.wait_for("views.open")
    assert views_open.args["trigger_id"] == trigger
    summary = next(b for b in fake_slack.latest_view()["blocks"] if b.get("label", {}).get("text") == "Summary")
    assert summary["element"]["initial_value"] == "VPN down"


async def test_modal_answers_travel_in_the_ack_and_a_submission_creates_the_ticket(socket_bot, socket, fake_slack):
    await socket.wait_connected()
    await socket.slash("/ticket", "", user_id=REPORTER)
    await fake_slack.wait_for("views.open")
    view = fake_slack.latest_view()
    empty = view_state(view, {"Summary": None, "Category": "Login problems", "Priority": "P1"})
    ack = await socket.interactive(view_submission_payload(view, empty, user_id=REPORTER))
    assert ack["payload"]["response_action"] == "errors"
    filled = view_state(view, {"Summary": "Cannot log in", "Category": "Login problems", "Priority": "P1"})
    ack = await socket.interactive(view_submission_payload(view, filled, user_id=REPORTER))
    assert "payload" not in ack or not ack["payload"]
    [card] = await fake_slack.wait_for("chat.postMessage")
    assert "Cannot log in" in str(card.args["blocks"])


async def test_healthz_answers_on_the_port_and_slack_events_is_not_served(socket_bot, socket):
    url = f"http://127.0.0.1:{socket_bot.port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["database"] == "up"
        async with http.post(f"{url}/slack/events", data=b"command=/ticket") as resp:
            assert resp.status == 404


async def test_malformed_envelope_is_acknowledged_and_a_disconnect_reconnects(socket_bot, socket, fake_slack):
    await socket.wait_connected()
    envelope_id = await socket.send_envelope("interactive", {"type": "view_submission", "view": None},
                                             accepts_response_payload=True)
    assert (await socket.wait_for_ack(envelope_id))["envelope_id"] == envelope_id
    await socket.disconnect()
    await socket.wait_connected(count=2)
    assert len(fake_slack.calls_to("apps.connections.open")) == 2
    ack = await socket.slash("/ticket", "still here", user_id=REPORTER)
    assert ack["envelope_id"] in socket.acks


async def test_stop_closes_the_socket(database_url, fake_slack, socket, clock, config):
    settings = make_settings(database_url, fake_slack.api_url, slack_app_token=fake_slack.app_token)
    service = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0,
                      timers=False, socket_mode=True)
    await service.start()
    await socket.wait_connected()
    await service.stop()
    await socket.wait_closed()
    assert socket.open_connections == 0


def _env(fake_slack: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    env.update(SLACK_BOT_TOKEN=fake_slack.bot_token, SLACK_API_URL=fake_slack.api_url, DATABASE_URL=database_url)
    env.update(extra)
    return env


@pytest.mark.parametrize("app_token", [None, "xoxb-not-an-app-token"])
def test_serve_socket_mode_without_an_app_token_exits_2_with_one_line(tmp_path, app_token):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    if app_token:
        env["SLACK_APP_TOKEN"] = app_token
    result = _run(["serve", "--socket-mode", "--port", "0"], env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "SLACK_APP_TOKEN" in line and "xapp-" in line and "SLACK_SIGNING_SECRET" not in line
    assert not (tmp_path / "x.db").exists()


async def test_serve_socket_mode_with_a_refused_token_exits_2(tmp_path, fake_slack, database_url):
    env = _env(fake_slack, database_url, SLACK_APP_TOKEN="xapp-1-revoked")
    proc = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--socket-mode", "--port", str(_free_port()), "--host", "127.0.0.1",
        "--config", str(REPO_ROOT / "app.yaml"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 2
    assert "invalid_auth" in stderr.decode() and "App-Level Tokens" in stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_serve_socket_mode_process_connects_and_closes_the_socket_on_sigterm(
        tmp_path, fake_slack, socket, database_url):
    port = _free_port()
    env = _env(fake_slack, database_url, SLACK_APP_TOKEN=fake_slack.app_token)
    proc = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--socket-mode", "--port", str(port), "--host", "127.0.0.1",
        "--config", str(REPO_ROOT / "app.yaml"), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await socket.wait_connected(timeout=20)
        await healthz(f"http://127.0.0.1:{port}", process=proc)
        ack = await socket.slash("/ticket", "from a process", user_id=REPORTER)
        assert ack["envelope_id"] in socket.acks
        await fake_slack.wait_for("views.open")
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    await socket.wait_closed()
    assert proc.returncode == 0, output.decode()
    assert "Socket Mode connection closed" in output.decode() and "Traceback" not in output.decode()


def test_manifest_for_socket_mode_enables_it_and_names_no_request_url():
    result = _run(["manifest", "--socket-mode"])
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert all("url" not in command for command in manifest["features"]["slash_commands"])
    assert "url" not in result.stdout.replace("https://", "")
    without = _run(["manifest"])
    assert without.returncode == 2 and "--socket-mode" in without.stderr
