"""The "Declare incident" button on a P0/P1 ticket card (its value: the ticket id)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketAction
from workflows.button_values import parse_row_id
from workflows.errors import InvalidRequest
from workflows.incidents.commands import answer_declare_incident_button


def _ticket_id(value: object) -> int:
    ticket_id = parse_row_id(value)
    if ticket_id is None:
        raise InvalidRequest("That button does not name a ticket.")
    return ticket_id


async def handle_declare_incident_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                         respond: Any) -> None:
    await ack()
    reply = await answer_declare_incident_button(deps=deps_of(context), ticket_id=_ticket_id(action.get("value")),
                                                 user_id=body["user"]["id"], team_id=team_of(body))
    await respond(response_type="ephemeral", replace_original=False, text=reply)


def register(app: AsyncApp) -> None:
    app.action(str(TicketAction.DECLARE_INCIDENT))(answers_errors(handle_declare_incident_button))
