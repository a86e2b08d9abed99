"""Message shortcut "Create ticket from message": the new-ticket modal, prefilled."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketShortcut
from workflows.tickets.form import show_new_ticket_modal
from workflows.slack_text import plain_text, summary_from_message


async def handle_create_ticket_shortcut(ack: Any, body: dict[str, Any], shortcut: dict[str, Any], context: Any) -> None:
    """Open the modal with Summary = the message's first line, Description = its text;
    the ticket it creates links the message and is noted in the message's thread."""
    await ack()
    message = shortcut.get("message") or {}
    text = message.get("text") or ""
    channel_id = (shortcut.get("channel") or {}).get("id")
    await show_new_ticket_modal(
        deps=deps_of(context), trigger_id=shortcut["trigger_id"],
        summary=summary_from_message(text), description=plain_text(text, keep_urls=True),
        channel_id=channel_id, source_channel_id=channel_id,
        source_ts=shortcut.get("message_ts") or message.get("ts"), source_user_id=message.get("user"),
    )


def register(app: AsyncApp) -> None:
    app.shortcut(str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE))(answers_errors(handle_create_ticket_shortcut))
