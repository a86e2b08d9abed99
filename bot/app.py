"""The Bolt AsyncApp factory: verification, context injection, retry de-duplication."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.event_replay import REPLAY_CONTEXT_KEY
from bot.runtime import Runtime
from handlers.registry import register_handlers
from models.deliveries import record_delivery
from workflows.log_context import bind_log_context
from workflows.tickets.thread import COUNTED_SUBTYPES

log = logging.getLogger(__name__)


#: Events whose listener changes state (a reply in a ticket thread, a customer's message,
#: a question answered, a reaction that opens a ticket or pins a message).
KEPT_EVENTS = frozenset({"message", "app_mention", "reaction_added"})


def _kept(req: AsyncBoltRequest) -> bool:
    event = req.body.get("event") or {}
    if event.get("type") not in KEPT_EVENTS or event.get("bot_id") or event.get("subtype") not in COUNTED_SUBTYPES:
        return False
    return not (req.context.bot_user_id and event.get("user") == req.context.bot_user_id)


class _AdoptListenerTask(AsyncListenerStartHandler):
    """Bolt answers Slack at ``ack()`` and lets the listener go on in a task of its own,
    which nobody awaits. Each such task is handed to the runtime as it starts, so that
    ``Runtime.drain`` and shutdown wait for the listener to finish its work (its
    database writes and Slack calls) before the engine is disposed; and it takes its
    turn among its person's requests (``bot/request_order.py``), so that it reads what
    their earlier ones changed although those were acknowledged before they committed."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.runtime.adopt(task)
            ack = request.context.ack
            self.runtime.request_order.take_turn(
                team_id=request.context.team_id, user_id=request.context.user_id,
                acked=lambda: ack is None or ack.response is not None, task=task)


class _PrepareRequest(AsyncMiddleware):
    """The one middleware of every request, before its listener:

    - puts what listeners need in the context (``handlers/context.py``), never the runtime;
    - binds the request's Slack team, user and channel to every log line it writes;
    - processes each ``event_id`` once: Slack redelivers events it thinks we missed, and
      the events whose listener changes state are kept until processed (replayed after
      a crash, ``bot/event_replay.py``).

    A class rather than ``@app.middleware`` functions: Bolt inspects a function
    middleware's signature to inject its arguments on every request, which cost about
    as much as the rest of the middleware chain (benchmarks/README.md, issue 23)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:
        runtime, context = self.runtime, req.context
        context["deps"] = runtime.deps
        context["sessions"] = runtime.sessions
        context["config"] = runtime.config
        context["clock"] = runtime.clock
        bind_log_context(team_id=context.team_id, user_id=context.user_id, channel_id=context.channel_id)
        if context.get(REPLAY_CONTEXT_KEY) is not True:  # a replay is an event recorded but never processed
            event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
            if event_id and not await self._first_delivery(req, str(event_id)):
                log.info("event %s already processed; acknowledging the redelivery", event_id)
                return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()

    async def _first_delivery(self, req: AsyncBoltRequest, event_id: str) -> bool:
        body = (req.raw_body or json.dumps(req.body)) if _kept(req) else None  # Socket Mode has no raw body
        async with self.runtime.sessions.begin() as db:
            return await record_delivery(db, event_id, self.runtime.clock(), body=body)


class _DropTokenUnusedWarning(logging.Filter):
    """Bolt reads ``SLACK_BOT_TOKEN`` from the environment itself and, given our client
    (which carries that very token), warns that the token "will be unused" on every
    start. The client is deliberate; that one line is dropped, nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_bolt_app(runtime: Runtime) -> AsyncApp:
    bolt_logger = logging.getLogger("supportbot.bolt")
    quiet = _DropTokenUnusedWarning()
    bolt_logger.addFilter(quiet)
    try:
        app = AsyncApp(
            client=runtime.slack,
            signing_secret=runtime.settings.slack_signing_secret,
            # bot/server.py has verified the signature over the raw bytes before Bolt sees a
            # request (Socket Mode and event replays carry none): not a second time per request
            request_verification_enabled=False,
            logger=bolt_logger,
        )
    finally:
        bolt_logger.removeFilter(quiet)

    app.use(_PrepareRequest(runtime))
    app.listener_runner.listener_start_handler = _AdoptListenerTask(runtime)
    register_handlers(app)
    return app
