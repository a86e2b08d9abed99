"""Timeline capture: a ``incidents.pin_emoji`` reaction (default :pushpin:) on a message in
a war room adds that message to the incident's timeline, and so to the post-mortem draft.

The message is read from Slack (``conversations.history``; a thread reply through
``conversations.replies``) before the transaction; the timeline row is written under the
incident's row lock, once per message however many people pin it (a redelivered event
is dropped before it gets here, by its ``event_id``).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from models.incident_queries import add_incident_event, get_incident_by_channel
from models.incidents import IncidentEvent, IncidentEventKind
from workflows.deps import Deps
from workflows.slack_reads import read_message
from workflows.slack_text import plain_text

log = logging.getLogger(__name__)

__all__ = ["PIN_TEXT_MAX", "capture_pinned_message"]

PIN_TEXT_MAX = 1000


async def capture_pinned_message(*, deps: Deps, channel_id: str, ts: str, reaction: str, user_id: str) -> bool:
    """A reaction ``reaction`` by ``user_id`` on message ``ts`` of ``channel_id``: True when it
    added the message to an incident's timeline."""
    if reaction.split("::")[0] != deps.config.incidents.pin_emoji:
        return False
    async with deps.sessions() as db:
        incident = await get_incident_by_channel(db, channel_id)
    if incident is None:
        return False
    try:
        message = await read_message(deps.slack, channel_id, ts)
        permalink = (await deps.slack.chat_getPermalink(channel=channel_id, message_ts=ts)).get("permalink")
    except SlackApiError as error:
        log.warning("incident %s: pinned message %s not read (%s)", incident.id, ts, error.response.get("error"))
        return False
    if message is None:
        return False
    text = plain_text(str(message.get("text") or ""), keep_urls=True).strip()[:PIN_TEXT_MAX]
    now = deps.clock()
    async with deps.sessions.begin() as db:
        locked = await get_incident_by_channel(db, channel_id, lock=True)
        if locked is None:
            return False
        pinned = await db.execute(select(IncidentEvent.detail).where(
            IncidentEvent.incident_id == locked.id, IncidentEvent.kind == IncidentEventKind.PINNED))
        if any((detail or {}).get("ts") == ts for detail in pinned.scalars()):
            return False  # pinned before
        add_incident_event(db, locked, IncidentEventKind.PINNED, actor_id=user_id, at=now, detail={
            "ts": ts, "text": text, "author": message.get("user"), "permalink": permalink})
    log.info("incident %s: message %s pinned to the timeline by %s", incident.id, ts, user_id)
    return True
