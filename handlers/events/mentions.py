"""`app_mention`: "@supportbot how do I reset 2FA?" gets a threaded answer from the
knowledge base."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.kb.answers import answer_in_thread, mention_question_of


async def handle_mention_event(ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    await ack()
    asked = mention_question_of(event, bot_user_id=context.get("bot_user_id"))
    if asked is None:
        return
    await answer_in_thread(deps=deps_of(context), team_id=team_of(body), asked=asked)


def register(app: AsyncApp) -> None:
    app.event("app_mention")(answers_errors(handle_mention_event))
