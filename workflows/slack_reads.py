"""Reading one message from Slack, for the workflows that act on a message they were
only pointed at (a reaction names a channel and a ts, nothing more).

    message = await read_message(deps.slack, channel_id, ts)   # a top-level message or a reply
    link = await permalink_of(deps.slack, channel_id, ts)       # None when Slack will not say

Direct calls, made before the transaction that acts on what they return.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

__all__ = ["permalink_of", "read_message"]


async def read_message(slack: AsyncWebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    """The message ``ts`` of ``channel_id`` (a top-level message, else a thread reply:
    ``conversations.history`` holds no replies), or None. Raises ``SlackApiError``."""
    history = await slack.conversations_history(channel=channel_id, latest=ts, oldest=ts, inclusive=True, limit=1)
    found = next((m for m in history.get("messages") or [] if m.get("ts") == ts), None)
    if found is None:
        replies = await slack.conversations_replies(channel=channel_id, ts=ts, latest=ts, inclusive=True)
        found = next((m for m in replies.get("messages") or [] if m.get("ts") == ts), None)
    return found


async def permalink_of(slack: AsyncWebClient, channel_id: str, ts: str) -> str | None:
    """The message's permalink, or None (logged) when Slack refuses."""
    try:
        return (await slack.chat_getPermalink(channel=channel_id, message_ts=ts)).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for %s/%s: %s", channel_id, ts, error.response.get("error"))
        return None
