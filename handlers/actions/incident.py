"""The "Declare incident" button on a P0/P1 ticket card (its value: the ticket id)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of
from handlers.errors import answers_errors
from handlers.ids import Action
from workflows.errors import InvalidRequest
from workflows.incident_commands import answer_declare_incident_button


def _ticket_id(value: object) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise InvalidRequest("That button does not name a ticket.")
    return int(text)


async def handle_declare_incident_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                         respond: Any) -> None:
    await ack()
    reply = await answer_declare_incident_button(deps=deps_of(context), ticket_id=_ticket_id(action.get("value")),
                                                 user_id=body["user"]["id"])
    await respond(response_type="ephemeral", replace_original=False, text=reply)


def register(app: AsyncApp) -> None:
    app.action(str(Action.DECLARE_INCIDENT))(answers_errors(handle_declare_incident_button))
