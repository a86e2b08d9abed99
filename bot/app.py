"""The Bolt AsyncApp factory: verification, context injection, retry de-duplication."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.logging_setup import bind_log_context
from bot.runtime import Runtime
from handlers.registry import register_handlers
from models.deliveries import record_delivery

log = logging.getLogger(__name__)


def build_bolt_app(runtime: Runtime) -> AsyncApp:
    app = AsyncApp(
        client=runtime.slack,
        signing_secret=runtime.settings.slack_signing_secret,
        logger=logging.getLogger("supportbot.bolt"),
    )

    @app.middleware
    async def inject_runtime(
        context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        context["runtime"] = runtime
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
        """Slack redelivers events it thinks we missed; each event_id is processed once."""
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id:
            async with runtime.sessions.begin() as db:
                is_new = await record_delivery(db, str(event_id), runtime.clock())
            if not is_new:
                log.info("event %s already processed; acknowledging the redelivery", event_id)
                return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()

    register_handlers(app)
    return app
