"""JSON log lines, request context and the redaction of secrets (bot/logging_setup.py,
workflows/log_context.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from bot.logging_setup import RedactingFilter, configure_logging, secrets_from
from workflows.log_context import bind_log_context, log_context

BOT_TOKEN = "xoxb-1111-2222-abcdefSECRET"
SIGNING_SECRET = "0123456789abcdef-signing"
ROUTING_KEY = "R0UTING0KEY0abcdef0123456789abcd"
ENV = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
    "PAGERDUTY_API_TOKEN": "u+PDapiTOKENvalue",
    "DATABASE_URL": "postgresql+asyncpg://bot:db-password-42@db.internal:5432/supportbot",
}


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    handler = configure_logging(ENV, stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
        logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_basics(captured):
    logging.getLogger("workflows.tickets").info("ticket #%s claimed\nby %s", 7, "U1")
    [line] = lines(captured)
    assert line["level"] == "INFO" and line["logger"] == "workflows.tickets"
    assert line["message"] == "ticket #7 claimed\nby U1"
    assert line["timestamp"].endswith("Z") and "T" in line["timestamp"]


@pytest.mark.parametrize("leak", [
    BOT_TOKEN, SIGNING_SECRET, ROUTING_KEY, "u+PDapiTOKENvalue", "db-password-42",
    "xoxp-9999-user-token", "xapp-1-A0APP-1-apptoken", "xoxe.xoxp-1-refresh", "xoxb-other-workspace-token",
])
def test_secrets_are_redacted_from_messages_arguments_and_exceptions(captured, leak):
    log = logging.getLogger("bot.anything")
    log.warning("calling with " + leak)
    log.error("args %s and %r", leak, {"Authorization": f"Bearer {leak}"})
    try:
        raise RuntimeError(f"Slack said no to {leak}")
    except RuntimeError:
        log.exception("failed")
    text = captured.getvalue()
    assert leak not in text
    assert "xoxp-1-refresh" not in text
    assert text.count("[redacted]") >= 3
    assert len(lines(captured)) == 3
    assert "RuntimeError" in lines(captured)[-1]["exception"]


@pytest.mark.parametrize("header", [
    "Authorization: Bearer abc.def.ghi", "authorization=Token token=PDtoken123",
    "{'Authorization': 'Basic dXNlcjpwYXNz'}", "url?token=s3cr3t&x=1", '"routing_key": "abcdef123456"',
])
def test_authorization_headers_and_keys_in_text(header):
    redacted = RedactingFilter().redact(f"request failed: {header}")
    for secret in ("abc.def.ghi", "PDtoken123", "dXNlcjpwYXNz", "s3cr3t", "abcdef123456"):
        assert secret not in redacted
    assert "[redacted]" in redacted


def test_short_or_empty_secrets_do_not_blank_out_ordinary_words():
    assert RedactingFilter(["", None, "s"]).redact("status is fine") == "status is fine"


def test_secrets_from_the_environment():
    assert set(secrets_from(ENV)) == {BOT_TOKEN, SIGNING_SECRET, ROUTING_KEY, "u+PDapiTOKENvalue", "db-password-42"}
    assert secrets_from({"DATABASE_URL": "sqlite+aiosqlite:///./x.db"}) == []


async def test_context_follows_the_request_into_its_tasks_and_no_further(captured):
    log = logging.getLogger("handlers.x")

    async def request(n: int) -> None:
        with log_context(request_id=f"req-{n}"):
            bind_log_context(team_id="T1", user_id=f"U{n}", channel_id=None)
            await asyncio.sleep(0)
            await asyncio.get_running_loop().create_task(listener(n))
        log.info("after %s", n)

    async def listener(n: int) -> None:
        bind_log_context(ticket=n)
        log.info("in listener %s", n)

    await asyncio.gather(request(1), request(2))
    found = {line["message"]: line for line in lines(captured)}
    assert {k: found["in listener 1"].get(k) for k in ("request_id", "team_id", "user_id", "ticket")} == {
        "request_id": "req-1", "team_id": "T1", "user_id": "U1", "ticket": 1}
    assert found["in listener 2"]["request_id"] == "req-2" and found["in listener 2"]["ticket"] == 2
    assert "channel_id" not in found["in listener 1"]
    assert "request_id" not in found["after 1"] and "user_id" not in found["after 2"]


def test_log_level_and_format_come_from_the_environment_and_the_flag_wins():
    import io as _io

    from bot.logging_setup import LogSettingError, log_format_from, log_level_from

    assert log_level_from({}) == logging.INFO
    assert log_level_from({"LOG_LEVEL": "debug"}) == logging.DEBUG
    assert log_level_from({"LOG_LEVEL": "warn"}) == logging.WARNING
    assert log_level_from({"LOG_LEVEL": "DEBUG"}, "error") == logging.ERROR
    with pytest.raises(LogSettingError, match="--log-level='LOUD' is not a log level"):
        log_level_from({}, "loud")

    class Terminal(_io.StringIO):
        def isatty(self) -> bool:
            return True

    assert log_format_from({}, _io.StringIO()) == "json"
    assert log_format_from({}, Terminal()) == "text"
    assert log_format_from({"LOG_FORMAT": "JSON"}, Terminal()) == "json"
    with pytest.raises(LogSettingError, match="LOG_FORMAT='yaml'"):
        log_format_from({"LOG_FORMAT": "yaml"}, Terminal())


def test_text_lines_are_readable_redacted_and_carry_the_context():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    handler = configure_logging({**ENV, "LOG_FORMAT": "text"}, stream=stream)
    try:
        with log_context(request_id="req-123456", ticket=7):
            logging.getLogger("workflows.tickets").info("claimed with %s", BOT_TOKEN)
        assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    finally:
        root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)
        logging.captureWarnings(False)
    line = stream.getvalue().strip()
    assert " INFO    workflows.tickets: claimed with [redacted] request_id=req-123456 ticket=7" in line
    assert BOT_TOKEN not in line
