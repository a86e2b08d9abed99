"""Events API ``message`` events: replies in a ticket card's thread (or in a customer's
thread, the conversation of a ticket opened in a customer channel) join its timeline;
a new top-level message in a customer channel opens a ticket (or offers one); a person's
top-level message in a help channel (``knowledge_base.help_channels``) gets a threaded
answer from the knowledge base."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, event_team_of, team_of
from handlers.errors import answers_errors
from workflows.intake.channels import customer_post_of, take_customer_post
from workflows.kb.answers import answer_in_thread, help_question_of
from workflows.tickets.thread import record_thread_reply, thread_reply_of


async def handle_message_event(ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    """Record a person's reply in a ticket thread, take a customer's new message, or
    answer a question in a help channel; anything else is ignored.

    Bolt's ``ignoring_self_events`` already drops the bot's own messages; edits,
    deletions, other bots and (for thread replies) non-thread messages are dropped by
    ``thread_reply_of`` / ``customer_post_of`` / ``help_question_of`` before any database
    work. Slack Connect guests (another ``team``) are heard in customer channels only
    (``workflows/intake/teams.py``): elsewhere nothing they write opens a ticket.
    """
    await ack()
    deps, bot_user_id = deps_of(context), context.get("bot_user_id")
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    reply = thread_reply_of(event, bot_user_id=bot_user_id)
    if reply is not None:
        team = event_team_of(body, event, context)
        await record_thread_reply(
            deps=deps, team_id=team_of(body), channel_id=reply.channel_id, thread_ts=reply.thread_ts,
            user_id=reply.user_id, ts=reply.ts, text=reply.text, event_id=str(event_id) if event_id else None,
            user_team=team.author, home_team=team.home,
        )
        return
    post = customer_post_of(event, config=deps.config, bot_user_id=bot_user_id)
    if post is not None:
        await take_customer_post(deps=deps, team=event_team_of(body, event, context), post=post,
                                 event_id=str(event_id) if event_id else None)
        return
    kb = deps.config.knowledge_base
    asked = help_question_of(event, help_channels=kb.help_channels if kb else [], bot_user_id=bot_user_id)
    if asked is not None:
        await answer_in_thread(deps=deps, team_id=team_of(body), asked=asked)


def register(app: AsyncApp) -> None:
    app.event("message")(answers_errors(handle_message_event))
