"""The Bolt AsyncApp factory: verification, context injection, retry de-duplication."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
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

    @app.middleware
    async def inject_runtime(
        context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """What listeners need (``handlers/context.py``), never the runtime itself."""
        context["deps"] = runtime.deps
        context["sessions"] = runtime.sessions
        context["config"] = runtime.config
        context["clock"] = runtime.clock
        return await next()

    @app.middleware
    async def bind_slack_ids(
        context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Every log line of this request names its Slack team, user and channel."""
        bind_log_context(team_id=context.team_id, user_id=context.user_id, channel_id=context.channel_id)
        return await next()

    @app.middleware
    async def skip_redelivered_events(
        req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Slack redelivers events it thinks we missed; each event_id is processed once.
        The events whose listener changes state are kept until processed (replayed after a crash)."""
        if req.context.get(REPLAY_CONTEXT_KEY) is True:
            return await next()  # bot/event_replay.py, for an event recorded but never processed
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id:
            body = (req.raw_body or json.dumps(req.body)) if _kept(req) else None  # Socket Mode has no raw body
            async with runtime.sessions.begin() as db:
                is_new = await record_delivery(db, str(event_id), runtime.clock(), body=body)
            if not is_new:
                log.info("event %s already processed; acknowledging the redelivery", event_id)
                return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()

    app.listener_runner.listener_start_handler = _AdoptListenerTask(runtime)
    register_handlers(app)
    return app
