"""The card's Escalate button: a small modal asks for the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of
from handlers.errors import answers_errors
from handlers.ids import Action
from workflows.escalation_flow import open_escalate_modal


def _ids(value: str) -> tuple[int, int | None]:
    ticket_id, _, number = value.partition(":")
    return int(ticket_id), int(number) if number.isdigit() else None


async def handle_escalate_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    ticket_id, number = _ids(str(action.get("value") or "0"))
    await open_escalate_modal(deps=deps_of(context), trigger_id=body["trigger_id"], ticket_id=ticket_id, number=number)


def register(app: AsyncApp) -> None:
    app.action(str(Action.ESCALATE))(answers_errors(handle_escalate_button))
