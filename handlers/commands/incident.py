"""`/incident`: declare (or open the declare modal), or run a war-room subcommand."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.incidents.commands import answer_incident_command


async def handle_incident_command(ack: Any, body: dict[str, Any], command: dict[str, Any], context: Any,
                                  respond: Any) -> None:
    await ack()
    reply = await answer_incident_command(
        deps=deps_of(context), team_id=team_of(command), user_id=command["user_id"],
        channel_id=command.get("channel_id") or "", text=command.get("text") or "", trigger_id=command["trigger_id"],
    )
    if reply:
        await respond(response_type="ephemeral", replace_original=False, text=reply)


def register(app: AsyncApp) -> None:
    app.command("/incident")(answers_errors(handle_incident_command))
