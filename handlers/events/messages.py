"""Events API ``message`` events: replies in a ticket card's thread join its timeline."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from workflows.ticket_thread import record_thread_reply, thread_reply_of


async def handle_message_event(ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    """Record a person's reply in a ticket thread; anything else is ignored.

    Bolt's ``ignoring_self_events`` already drops the bot's own messages; edits,
    deletions, other bots and non-thread messages are dropped by ``thread_reply_of``
    before any database work.
    """
    await ack()
    reply = thread_reply_of(event, bot_user_id=context.get("bot_user_id"))
    if reply is None:
        return
    await record_thread_reply(
        deps=deps_of(context), team_id=team_of(body), channel_id=reply.channel_id, thread_ts=reply.thread_ts,
        user_id=reply.user_id, ts=reply.ts, text=reply.text,
    )


def register(app: AsyncApp) -> None:
    app.event("message")(handle_message_event)
