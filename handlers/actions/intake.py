"""The *Open a ticket* / *No thanks* buttons under a customer's message
(``intake.customer_channels: ask``, ``workflows/intake/channels.py``)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import click_team_of, deps_of
from handlers.errors import answers_errors
from workflows.intake.channels import answer_offer
from workflows.intake.ids import IntakeAction


async def _answer(body: dict[str, Any], action: dict[str, Any], context: Any, *, open_ticket: bool) -> None:
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    await answer_offer(deps=deps_of(context), team_id=click_team_of(body, context),
                       clicker_id=str((body.get("user") or {}).get("id") or ""),
                       channel_id=channel.get("id") or container.get("channel_id"), value=action.get("value"),
                       offer_ts=container.get("message_ts"), open_ticket=open_ticket)


async def handle_open_ticket_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await _answer(body, action, context, open_ticket=True)


async def handle_no_thanks_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await _answer(body, action, context, open_ticket=False)


def register(app: AsyncApp) -> None:
    app.action(str(IntakeAction.OPEN_TICKET))(answers_errors(handle_open_ticket_button))
    app.action(str(IntakeAction.NO_THANKS))(answers_errors(handle_no_thanks_button))
