"""Slack side effects of ticket changes: the card, thread posts, notes to people.

Called after the database transaction that made the change has committed; each renders
from the ticket's state. Slack failures are logged and do not undo the change.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import AppConfig
from models.tickets import Ticket
from workflows.blocks.ticket_card import build_ticket_card, ticket_fallback_text

log = logging.getLogger(__name__)


async def refresh_card(slack: AsyncWebClient, config: AppConfig, ticket: Ticket, *,
                       now: datetime | None = None) -> None:
    """Re-render the ticket card in place (chat.update); ``now`` (the caller's clock)
    lets it show where each SLA clock stands."""
    if not (ticket.channel_id and ticket.message_ts):
        return
    try:
        await slack.chat_update(
            channel=ticket.channel_id, ts=ticket.message_ts,
            text=ticket_fallback_text(ticket), blocks=build_ticket_card(ticket, config, now=now),
        )
    except SlackApiError as error:
        log.error("could not update the card of ticket #%s: %s", ticket.number, error.response.get("error"))


async def post_in_thread(slack: AsyncWebClient, ticket: Ticket, text: str, blocks: list | None = None) -> None:
    if not (ticket.channel_id and ticket.message_ts):
        return
    try:
        await slack.chat_postMessage(channel=ticket.channel_id, thread_ts=ticket.message_ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.error("could not post in the thread of ticket #%s: %s", ticket.number, error.response.get("error"))


async def tell_user(slack: AsyncWebClient, *, user_id: str, text: str, channel_id: str | None = None,
                    blocks: list | None = None) -> None:
    """An ephemeral note in ``channel_id`` when we can post there, else a DM."""
    if channel_id:
        try:
            await slack.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral note to %s in %s failed (%s); sending a DM", user_id, channel_id,
                     error.response.get("error"))
    try:
        await slack.chat_postMessage(channel=user_id, text=text, blocks=blocks)
    except SlackApiError as error:
        log.error("could not reach %s by DM: %s", user_id, error.response.get("error"))
