"""`/oncall`: who is primary and secondary now, until when, and who is next (ephemeral);
`/oncall override …` and `/oncall swap …` change it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of
from handlers.errors import answers_errors
from workflows.paging.oncall import answer_oncall_command


async def handle_oncall_command(ack: Any, body: dict[str, Any], command: dict[str, Any], context: Any,
                                respond: Any) -> None:
    await ack()
    reply = await answer_oncall_command(deps=deps_of(context), user_id=command["user_id"],
                                        text=command.get("text") or "")
    await respond(response_type="ephemeral", replace_original=False, **reply)


def register(app: AsyncApp) -> None:
    app.command("/oncall")(answers_errors(handle_oncall_command))
