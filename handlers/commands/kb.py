"""`/kb query`: search the knowledge base, answered privately."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.kb.answers import answer_kb_command


async def handle_kb_command(ack: Any, body: dict[str, Any], command: dict[str, Any], context: Any,
                            respond: Any) -> None:
    await ack()
    reply = await answer_kb_command(deps=deps_of(context), team_id=team_of(command), user_id=command["user_id"],
                                    channel_id=command.get("channel_id"), text=command.get("text") or "")
    await respond(response_type="ephemeral", replace_original=False, **reply)


def register(app: AsyncApp) -> None:
    app.command("/kb")(answers_errors(handle_kb_command))
