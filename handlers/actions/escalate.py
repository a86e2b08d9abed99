"""The card's Escalate button: a small modal asks for the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketAction
from workflows.button_values import parse_row_id
from workflows.errors import InvalidRequest
from workflows.escalation.flow import open_escalate_modal


def _ids(value: object) -> tuple[int, int | None]:
    """``"<ticket id>:<number>"`` (the number only shown in the modal)."""
    ticket_id, _, number = str(value or "").partition(":")
    parsed = parse_row_id(ticket_id)
    if parsed is None:
        raise InvalidRequest("That button does not name a ticket; use the buttons on a ticket card.")
    return parsed, parse_row_id(number)


async def handle_escalate_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    ticket_id, number = _ids(action.get("value"))
    await open_escalate_modal(deps=deps_of(context), trigger_id=body["trigger_id"], ticket_id=ticket_id, number=number,
                              team_id=team_of(body), actor_id=str((body.get("user") or {}).get("id") or ""))


def register(app: AsyncApp) -> None:
    app.action(str(TicketAction.ESCALATE))(answers_errors(handle_escalate_button))
