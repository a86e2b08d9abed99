"""The HTTP server: our own aiohttp application on the loop we own.

Routes: ``POST /slack/events`` into Bolt (not in Socket Mode), ``POST /pagerduty/webhook``
(``bot.pagerduty_webhook``), ``GET /healthz`` and ``GET /metrics``. Bodies over 1 MiB
are refused with 413 while being read. A request without a valid, fresh Slack
signature (over the raw bytes) is answered 401 before anything parses it. A signed body
Bolt cannot parse, or whose shape Slack never sends (``bot.payload_guard``), is
answered 400; so is anything Bolt still raises out of ``async_dispatch`` — never 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.database import ping
from bot.logging_setup import request_context_middleware
from bot.metrics_endpoint import metrics_handler
from bot.pagerduty_webhook import pagerduty_webhook_route
from bot.payload_guard import malformed_reason
from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
RUNTIME_KEY = web.AppKey("runtime", Runtime)
BOLT_KEY = web.AppKey("bolt", AsyncApp)


async def slack_events(request: web.Request) -> web.StreamResponse:
    with request.app[RUNTIME_KEY].spare_time.request():  # best-effort work waits (bot/spare_time.py)
        return await _answer_slack(request)


async def _answer_slack(request: web.Request) -> web.StreamResponse:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    raw_body = await request.read()  # raises 413 past client_max_size
    if not _signed(request.app[RUNTIME_KEY], raw_body, request.headers):
        return web.json_response({"error": "invalid request"}, status=401)
    try:
        bolt_request = await to_bolt_request(request)  # Bolt parses the body here
    except Exception as error:  # noqa: BLE001 - a body Bolt cannot even parse
        log.warning("malformed Slack request refused: unparsable body (%s)", type(error).__name__)
        return web.json_response({"error": "malformed request: unparsable body"}, status=400)
    reason = malformed_reason(bolt_request.body)
    if reason:
        log.warning("malformed Slack request refused: %s", reason)
        return web.json_response({"error": f"malformed request: {reason}"}, status=400)
    try:
        bolt_response = await request.app[BOLT_KEY].async_dispatch(bolt_request)
    except Exception:
        error_id = uuid.uuid4().hex[:12]
        log.exception("malformed Slack request refused (error id %s)", error_id)
        return web.json_response({"error": "malformed request", "error_id": error_id}, status=400)
    return await to_aiohttp_response(bolt_response)


SIGNATURE_MAX_AGE = 5 * 60  # seconds, as Slack documents (replay protection)


def _signed(runtime: Runtime, raw_body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over the raw bytes, with a fresh timestamp. Whatever the
    headers hold (no timestamp, text, a signature of another length) it answers False."""
    timestamp, signature = headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and signature.isascii()):
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    secret = runtime.settings.slack_signing_secret.encode()
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME_KEY]
    database_up = await ping(runtime.engine)
    scheduler_up = runtime.scheduler.running
    body = {
        "status": "ok" if database_up and scheduler_up else "unavailable",
        "database": "up" if database_up else "down",
        "scheduler": "running" if scheduler_up else "stopped",
    }
    return web.json_response(body, status=200 if database_up and scheduler_up else 503)


def build_web_app(runtime: Runtime, bolt_app: AsyncApp, *, slack_events_route: bool = True) -> web.Application:
    """``slack_events_route=False`` (Socket Mode): Slack's requests come over the socket."""
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[request_context_middleware, runtime.telemetry.request_middleware()])
    app[RUNTIME_KEY] = runtime
    app[BOLT_KEY] = bolt_app
    if slack_events_route:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_handler(sessions=runtime.sessions, clock=runtime.clock,
                                                   telemetry=runtime.telemetry))
    app.router.add_post("/pagerduty/webhook", pagerduty_webhook_route(runtime))
    return app


class HttpServer:
    """Runs a web.Application with AppRunner/TCPSite; ``port=0`` picks a free port."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=10.0)
        self._host = host
        self._port = port
        self.port: int | None = None

    async def start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server  # the bound socket tells which port port=0 picked
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        return self.port

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, then close."""
        await self._runner.cleanup()


async def wait_for_stop_signal(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
