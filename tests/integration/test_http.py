"""The HTTP surface of a running bot: Slack request verification, url_verification,
redelivered events, malformed and oversized bodies, and /healthz."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.database import make_engine
from models.deliveries import SlackDelivery
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_requests import event_callback_body, sign


async def _delivery_count(bot) -> int:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(func.count()).select_from(SlackDelivery))).scalar_one()


async def test_url_verification_echoes_the_challenge(bot):
    reply = await bot.sender.url_verification("3eZbrw1aBm2rZgRNFdxV")
    assert reply.status == 200
    assert reply.json()["challenge"] == "3eZbrw1aBm2rZgRNFdxV"


def _event_body() -> bytes:
    return event_callback_body({"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.2"})


async def test_unsigned_request_is_rejected_and_changes_nothing(bot):
    reply = await bot.sender.raw(_event_body(), headers={"Content-Type": "application/json"})
    assert reply.status == 401
    assert await _delivery_count(bot) == 0
    assert bot.slack.calls == []


async def test_wrongly_signed_request_is_rejected_and_changes_nothing(bot):
    body = _event_body()
    headers = sign(body, "not-the-signing-secret")
    headers["Content-Type"] = "application/json"
    reply = await bot.sender.raw(body, headers=headers)
    assert reply.status == 401
    assert await _delivery_count(bot) == 0
    assert bot.slack.calls == []


async def test_six_minute_old_request_is_rejected_and_changes_nothing(bot):
    body = _event_body()
    headers = sign(body, SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60)
    headers["Content-Type"] = "application/json"
    reply = await bot.sender.raw(body, headers=headers)
    assert reply.status == 401
    assert await _delivery_count(bot) == 0


async def test_a_redelivered_event_is_acknowledged_and_not_processed_again(bot):
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages"}
    first = await bot.sender.event(event, event_id="Ev0DUPLICATE")
    again = await bot.sender.event(event, event_id="Ev0DUPLICATE", headers={"X-Slack-Retry-Num": "1"})
    assert first.status == 200
    assert again.status == 200
    assert again.headers.get("x-slack-no-retry") == "1"
    assert first.headers.get("x-slack-no-retry") is None
    assert await _delivery_count(bot) == 1


async def test_malformed_interactive_payload_gets_400_not_500(bot):
    payload = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": "U1"}, "view": None}
    reply = await bot.sender.interactive(payload)
    assert reply.status == 400
    health = await bot.sender.get("/healthz")
    assert health.status == 200


async def test_oversized_body_is_refused_with_413(bot):
    body = b"payload=" + b"x" * (1024 * 1024 + 10)
    reply = await bot.sender.raw(body, bot.sender.signed_headers(body, "application/x-www-form-urlencoded"))
    assert reply.status == 413


async def test_healthz_names_database_and_scheduler(bot):
    reply = await bot.sender.get("/healthz")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "database": "up", "scheduler": "running"}


async def test_healthz_is_503_when_the_scheduler_is_down(bot):
    bot.runtime.scheduler.shutdown()
    reply = await bot.sender.get("/healthz")
    assert reply.status == 503
    assert reply.json()["scheduler"] == "stopped"
    assert reply.json()["database"] == "up"


async def test_healthz_is_503_when_the_database_is_unreachable(bot):
    dead_engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    live_engine = bot.runtime.engine
    bot.runtime.engine = dead_engine
    try:
        reply = await bot.sender.get("/healthz")
    finally:
        bot.runtime.engine = live_engine
        await dead_engine.dispose()
    assert reply.status == 503
    assert json.loads(reply.body)["database"] == "down"
