"""`supportbot serve` logs one JSON object per line, with the request's ids, and never a
token or secret — also when Slack and PagerDuty fail and an exception is logged whose
text carries them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from tests.conftest import REPO_ROOT
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.slack import FakeSlack, view_state
from tests.fakes.slack_requests import SlackSender, view_submission_payload
from tests.integration.test_cli import _free_port
from tests.ticket_steps import REPORTER
from tests.waiting import healthz, until

BOT_TOKEN = "xoxb-7777-8888-LogTestBotToken"
SIGNING_SECRET = "log-test-signing-secret-0123456789"
ROUTING_KEY = "R0LOGTESTROUTINGKEY0000000000000"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, ROUTING_KEY)


async def _run_scenario(slack: FakeSlack, pagerduty: FakePagerDuty, sender: SlackSender) -> None:
    # A Slack call that fails with an error text carrying secrets: the listener's
    # exception is logged with its traceback.
    slack.fail_next("views.open", error=f"invalid_auth (Authorization: Bearer {BOT_TOKEN}; "
                                        f"routing_key={ROUTING_KEY}; secret {SIGNING_SECRET})")
    assert (await sender.slash("/ticket", "VPN down", user_id=REPORTER,
                               response_url=slack.response_url("failed"))).status == 200
    await slack.wait_for_response("failed")
    # A ticket whose card cannot be posted; escalated into a paging tier, whose page
    # PagerDuty refuses at first.
    slack.fail_next("chat.postMessage", error="channel_not_found")
    pagerduty.fail_next(status=503, times=2)
    assert (await sender.slash("/ticket", "Checkout down", user_id=REPORTER)).status == 200
    await slack.wait_for("views.open", count=2)
    view = slack.latest_view()
    state = view_state(view, {"Category": "Payment failed", "Priority": "P0", "Customer": "ACME"})
    assert (await sender.interactive(view_submission_payload(view, state, user_id=REPORTER))).status == 200
    await slack.wait_for("chat.postEphemeral")  # the reporter's confirmation: the ticket exists
    for step in ("to tier2", "to tier3"):
        assert (await sender.slash("/escalate", f"#1 {step}", user_id="U0AGENT01")).status == 200
        await slack.wait_for("chat.postMessage", count=3 if step == "to tier2" else 5)
    await until(pagerduty.event_calls, 10, what="the page's first attempt at PagerDuty")
    assert pagerduty.event_calls()[0].status == 503
    # A signed request that is not a Slack payload.
    body = b'{"type": "event_callback", "event": null}'
    assert (await sender.raw(body, sender.signed_headers(body, "application/json"))).status == 400


async def test_serve_logs_json_lines_without_secrets(tmp_path, database_url):
    async with FakeSlack(bot_token=BOT_TOKEN) as slack, FakePagerDuty(routing_key=ROUTING_KEY) as pagerduty:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api_url,
                   DATABASE_URL=database_url, PAGERDUTY_ROUTING_KEY=ROUTING_KEY, PAGERDUTY_EVENTS_URL=pagerduty.url)
        port = _free_port()
        log_path = tmp_path / "serve.log"
        with log_path.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--host", "127.0.0.1",
                "--config", str(REPO_ROOT / "app.yaml"), env=env, cwd=tmp_path, stdout=out,
                stderr=asyncio.subprocess.STDOUT)
        try:
            await healthz(f"http://127.0.0.1:{port}", process=proc, output=log_path.read_text)
            async with SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET) as sender:
                await _run_scenario(slack, pagerduty, sender)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    output = log_path.read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line is JSON
    assert all(isinstance(line, dict) and {"timestamp", "level", "logger", "message"} <= line.keys()
               for line in lines)
    for secret in SECRETS:
        assert secret not in output
    failed = [line for line in lines if "exception" in line and "SlackApiError" in line["exception"]]
    assert failed, output[-3000:]
    assert "[redacted]" in failed[0]["exception"] and "invalid_auth" in failed[0]["exception"]
    assert failed[0]["request_id"] and failed[0]["team_id"] == "T0TEST" and failed[0]["user_id"] == REPORTER
    assert any("channel_not_found" in line["message"] and line["user_id"] == REPORTER for line in lines)
    assert any(line["logger"].startswith("workflows.paging.") and "503" in line["message"] for line in lines), \
        output[-3000:]
    assert any(line.get("ticket") == 1 and line.get("user_id") == "U0AGENT01" for line in lines)
    assert any("malformed" in line["message"] and line.get("request_id") for line in lines)
    assert any(line["message"].startswith("supportbot stopped") for line in lines)
