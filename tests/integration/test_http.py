"""The HTTP surface of a running bot: Slack request verification, url_verification,
redelivered events, malformed, deeply nested and oversized bodies, headers only the
process may set, what counts as Slack work for the spare-time gate, and /healthz."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from bot.database import make_engine
from workflows.tickets.ids import TicketAction
from models.deliveries import SlackDelivery
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_requests import event_callback_body, sign
from tests.sla_steps import until


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


# -- shapes Bolt reads outside any error handler (#16 item 10) ---------------------------

#: Each crashed Bolt (500) while it logged the unhandled request or built a listener's arguments.
BOLT_CRASHERS = [
    {"type": "block_suggestion", "action_id": 5, "block_id": "b", "value": "x", "user": {"id": "U1"}},
    {"type": "block_suggestion", "action_id": ["a"], "block_id": "b", "value": "x", "user": {"id": "U1"}},
    {"view": 5}, {"view": None}, {"view": "callback_id"}, {"view": []}, {"type": "app_rate_limited", "view": "x"},
    {"type": "interactive_message", "callback_id": str(TicketAction.CLAIM), "user": {"id": "U1"}},
    {"type": "workflow_step_edit", "callback_id": str(TicketAction.CLAIM), "user": {"id": "U1"}},
    {"type": "view_submission", "user": {"id": "U1"}, "trigger_id": "1.2.3",
     "view": {"type": "workflow_step", "callback_id": "ticket_new", "state": {"values": {}}}},
]


@pytest.mark.parametrize("payload", BOLT_CRASHERS, ids=lambda p: json.dumps(p)[:60])
async def test_interactive_shapes_bolt_cannot_handle_get_400_not_500(bot, payload):
    reply = await bot.sender.interactive(payload)
    assert reply.status == 400, reply.text
    assert reply.json()["error"].startswith("malformed request: ")
    assert (await bot.sender.get("/healthz")).status == 200


async def test_a_function_event_without_a_function_object_gets_400_not_500(bot):
    reply = await bot.sender.event({"type": "function_executed", "function_execution_id": "Fx1", "function": 5})
    assert reply.status == 400, reply.text
    assert reply.json()["error"] == "malformed request: event function is not an object"


# -- deeply nested JSON (#16 item 9) -----------------------------------------------------

def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [65, 900, 5_000, 150_000])
async def test_deeply_nested_json_gets_400_whether_or_not_it_parses(bot, depth):
    """Past ~1,000 levels json.loads raises RecursionError; below that the body parses but
    would exhaust the stack of whatever walks it later. Slack nests a dozen levels."""
    event = '{"type": "event_callback", "event_id": "Ev0DEEP%d", "event": {"type": "app_mention", "x": %s}}' % (
        depth, _nested(depth))
    for body, content_type in ((event.encode(), "application/json"),
                               (b"payload=" + quote(event).encode(), "application/x-www-form-urlencoded")):
        if len(body) > 1024 * 1024:
            continue
        reply = await bot.sender.raw(body, bot.sender.signed_headers(body, content_type))
        assert reply.status == 400, (content_type, reply.status, reply.text)
        assert "nested deeper than 64 levels" in reply.json()["error"]
    assert await _delivery_count(bot) == 0
    assert (await bot.sender.get("/healthz")).status == 200


async def test_sixty_four_levels_of_json_are_accepted(bot):
    reply = await bot.sender.event({"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.2",
                                    "x": json.loads(_nested(61))})  # + envelope and event: 63 levels
    assert reply.status == 200, reply.text


# -- headers that steer the app from inside (#16 item 11) ----------------------------------

async def test_a_replay_header_from_the_network_does_not_skip_deduplication(bot):
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    assert (await bot.sender.event(event, event_id="Ev0REPLAYED")).status == 200
    await bot.runtime.drain()
    again = await bot.sender.event(event, event_id="Ev0REPLAYED", headers={"X-Supportbot-Replay": "1"})
    await bot.runtime.drain()
    assert again.status == 200 and again.headers.get("x-slack-no-retry") == "1"
    assert len(bot.slack.calls_to("views.publish")) == 1


async def test_bolt_lazy_listener_headers_from_the_network_are_ignored(bot):
    """``x-slack-bolt-lazy-only`` would make Bolt acknowledge the event and skip its listener."""
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    reply = await bot.sender.event(event, headers={"X-Slack-Bolt-Lazy-Only": "1",
                                                   "X-Slack-Bolt-Lazy-Function-Name": "nothing"})
    await bot.runtime.drain()
    assert reply.status == 200
    assert len(bot.slack.calls_to("views.publish")) == 1


# -- the spare-time gate (#16 item 15) ---------------------------------------------------

async def test_a_request_whose_body_is_still_arriving_holds_no_spare_time_work_back(bot):
    started = bot.service.http.requests_started
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.service.port)
    try:
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"type\": ")  # and nothing more: a slow client
        await writer.drain()
        async def handler_started() -> bool:
            return bot.service.http.requests_started > started

        await until(handler_started, what="the request handler started")
        assert bot.runtime.spare_time.in_flight == 0
        ran = asyncio.Event()

        async def job() -> None:
            ran.set()

        assert bot.runtime.spare_time.offer("test", job, patience=3.0)
        await asyncio.wait_for(ran.wait(), 3.0)
    finally:
        writer.close()
        await writer.wait_closed()
    assert bot.runtime.spare_time.skipped == 0


async def test_unsigned_requests_are_not_counted_as_slack_work(bot, monkeypatch):
    counted = []
    real = bot.runtime.spare_time.request
    monkeypatch.setattr(bot.runtime.spare_time, "request", lambda: counted.append(1) or real())
    assert (await bot.sender.raw(_event_body(), headers={"Content-Type": "application/json"})).status == 401
    assert counted == []
    assert (await bot.sender.url_verification("c")).status == 200
    assert counted == [1]

