"""The HTTP server: our own aiohttp application on the loop we own.

Routes: ``POST /slack/events`` into Bolt (not in Socket Mode), ``POST /pagerduty/webhook``
(``bot.pagerduty_webhook``), ``GET /healthz`` and ``GET /readyz`` (database and scheduler
up), ``GET /livez`` (the process answers) and ``GET /metrics``. Bodies over 1 MiB
are refused with 413 while being read. A request without a valid, fresh Slack
signature (over the raw bytes) is answered 401 before anything parses it. A signed body
Bolt cannot parse (``RecursionError`` included), nested deeper than 64 levels, or whose
shape Slack never sends (``bot.payload_guard``), is answered 400; so is anything Bolt
still raises out of ``async_dispatch`` — never 500.

Only a verified request counts as Slack work for the spare-time gate (``bot.spare_time``):
a body still arriving, or one without a valid signature, holds no best-effort work back.
Headers that steer Bolt or this app from inside the process (``INTERNAL_HEADERS``) are
dropped from every request before Bolt sees it; an event replay is marked in the request's
context instead (``bot.event_replay``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp import web_app as aiohttp_web_app
from multidict import CIMultiDict
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.database import ping
from bot.json_limits import JsonTooDeep
from bot.logging_setup import request_context_middleware
from bot.metrics_endpoint import metrics_handler
from bot.pagerduty_webhook import pagerduty_webhook_route
from bot.payload_guard import malformed_reason
from bot.runtime import Runtime
from bot.startup_errors import StartupError, describe_listen_failure

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
RUNTIME_KEY = web.AppKey("runtime", Runtime)
BOLT_KEY = web.AppKey("bolt", AsyncApp)
#: Bolt reads these to run only a listener's lazy part; an event replay was once marked
#: by the first. Slack never sends them; a request that does has them removed.
INTERNAL_HEADERS = ("x-supportbot-replay", "x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")


async def slack_events(request: web.Request) -> web.StreamResponse:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    raw_body = await request.read()  # raises 413 past client_max_size
    runtime = request.app[RUNTIME_KEY]
    if not _signed(runtime, raw_body, request.headers):
        return web.json_response({"error": "invalid request"}, status=401)
    with runtime.spare_time.request():  # best-effort work waits for verified requests only (bot/spare_time.py)
        return await _answer_slack(request, raw_body)


def _bolt_request(request: web.Request, raw_body: bytes) -> AsyncBoltRequest:
    """What ``slack_bolt.adapter.aiohttp.to_bolt_request`` builds, from the bytes already
    read and verified, without the internal headers. Bolt parses the body here."""
    headers = CIMultiDict(request.headers)
    for name in INTERNAL_HEADERS:
        headers.popall(name, None)
    return AsyncBoltRequest(body=raw_body.decode(request.charset or "utf-8"), query=request.query_string,
                            headers=headers)  # type: ignore[arg-type]


async def _answer_slack(request: web.Request, raw_body: bytes) -> web.StreamResponse:
    try:
        bolt_request = _bolt_request(request, raw_body)
    except RecursionError:  # json.loads, one level per frame
        log.warning("malformed Slack request refused: %s", JsonTooDeep())
        return web.json_response({"error": f"malformed request: {JsonTooDeep()}"}, status=400)
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


async def livez(request: web.Request) -> web.Response:
    """Liveness: the process answers. Nothing else is asked (a database blip must not get
    a healthy process restarted)."""
    return web.json_response({"status": "ok"})


async def healthz(request: web.Request) -> web.Response:
    """Readiness (also ``GET /readyz``): 200 when the database answers and the scheduler
    runs, else 503."""
    runtime = request.app[RUNTIME_KEY]
    database_up = await ping(runtime.engine)
    scheduler_up = runtime.scheduler.running
    body = {
        "status": "ok" if database_up and scheduler_up else "unavailable",
        "database": "up" if database_up else "down",
        "scheduler": "running" if scheduler_up else "stopped",
    }
    return web.json_response(body, status=200 if database_up and scheduler_up else 503)


def _application(runtime: Runtime) -> web.Application:
    return web.Application(client_max_size=MAX_BODY_BYTES,
                           middlewares=[request_context_middleware, runtime.telemetry.request_middleware()])


def _metrics(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    return metrics_handler(sessions=runtime.sessions, clock=runtime.clock, telemetry=runtime.telemetry,
                           token=runtime.settings.metrics_token)


def build_web_app(runtime: Runtime, bolt_app: AsyncApp, *, slack_events_route: bool = True,
                  metrics_route: bool = True) -> web.Application:
    """``slack_events_route=False`` (Socket Mode): Slack's requests come over the socket.
    ``metrics_route=False``: ``GET /metrics`` is served by :func:`build_metrics_app` alone."""
    app = _application(runtime)
    app[RUNTIME_KEY] = runtime
    app[BOLT_KEY] = bolt_app
    if slack_events_route:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/livez", livez)
    if metrics_route:
        app.router.add_get("/metrics", _metrics(runtime))
    app.router.add_post("/pagerduty/webhook", pagerduty_webhook_route(runtime))
    return app


def build_metrics_app(runtime: Runtime) -> web.Application:
    """``GET /metrics`` alone, for a listener of its own (``serve --metrics-port``)."""
    app = _application(runtime)
    app.router.add_get("/metrics", _metrics(runtime))
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
        try:
            await site.start()
        except OSError as error:  # the port is taken, not ours to bind, or the host is not this machine's
            await self._runner.cleanup()
            raise StartupError(describe_listen_failure(error, self._host, self._port)) from error
        server = site._server  # the bound socket tells which port port=0 picked
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        return self.port

    @property
    def requests_started(self) -> int:
        """Requests whose headers were read and whose handler was started, since start."""
        server = self._runner.server
        return server.requests_count if server is not None else 0

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, then close; and let go of the
        application (:func:`_forget_middleware_chains`)."""
        await self._runner.cleanup()
        _forget_middleware_chains()


def _forget_middleware_chains() -> None:
    """aiohttp keeps each request handler wrapped in its application's middlewares in a
    module-level cache of 1,024 entries (``aiohttp.web_app._cached_build_middleware``, an
    ``lru_cache`` keyed by the handler and the application), so a stopped application,
    and everything it holds (the runtime, its engine, the Bolt app), stayed alive until
    1,024 newer ones pushed it out. A process that starts one server never notices; the
    test run starts a bot per test, and the hundreds it kept (over ten million objects)
    made each full garbage collection stop the event loop for seconds, long enough to
    fail a test waiting 5 s for a card. Clearing the whole cache is harmless: a running
    application builds its chain again on its next request."""
    cache = getattr(aiohttp_web_app, "_cached_build_middleware", None)
    if cache is not None and hasattr(cache, "cache_clear"):  # a private name: gone in a later aiohttp, nothing to do
        cache.cache_clear()


async def wait_for_stop_signal(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
