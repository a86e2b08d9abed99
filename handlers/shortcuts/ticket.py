"""Message shortcuts: "Create ticket from message" (the new-ticket modal, prefilled) and
"Send to customer" (a reply in a card's thread, posted in the customer's thread)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketShortcut
from workflows.tickets.customer_thread import send_to_customer
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


async def handle_send_to_customer_shortcut(ack: Any, body: dict[str, Any], shortcut: dict[str, Any], context: Any,
                                           respond: Any) -> None:
    """Post the chosen reply of a card's thread in the ticket's customer thread, once."""
    await ack()
    message = shortcut.get("message") if isinstance(shortcut.get("message"), dict) else {}
    channel = shortcut.get("channel") if isinstance(shortcut.get("channel"), dict) else {}
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    author = message.get("user") if isinstance(message.get("user"), str) else None
    said = await send_to_customer(
        deps=deps_of(context), team_id=team_of(body), channel_id=str(channel.get("id") or ""),
        thread_ts=message.get("thread_ts") if isinstance(message.get("thread_ts"), str) else None,
        ts=str(shortcut.get("message_ts") or message.get("ts") or ""), text=text, author_id=author,
        actor_id=str((body.get("user") or {}).get("id") or ""))
    await respond(text=said, response_type="ephemeral", replace_original=False)


def register(app: AsyncApp) -> None:
    app.shortcut(str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE))(answers_errors(handle_create_ticket_shortcut))
    app.shortcut(str(TicketShortcut.SEND_TO_CUSTOMER))(answers_errors(handle_send_to_customer_shortcut))
