"""Notes to people about their tickets (ephemeral, else a DM): sent at once, after the
change has committed, since they answer what the person just did and only that person is
waiting for them (a lost one is a shown error, not a lost record). Cards and thread
posts go through the outbox (``workflows/outbox/enqueue.py``).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def tell_user(slack: AsyncWebClient, *, user_id: str, text: str, channel_id: str | None = None,
                    blocks: list | None = None) -> None:
    """An ephemeral note in ``channel_id`` when we can post there, else a DM (direct: see
    the module docstring)."""
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
