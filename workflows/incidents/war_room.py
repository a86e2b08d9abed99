"""The Slack side of an incident after it is open: the messages kept from its state.

Opening the war room (creating the channel, inviting, posting and pinning the
declaration, announcing it) goes through the outbox, step by step
(``workflows/incidents/war_room_steps.py``). Every call here runs after a change commits and only
logs a Slack error: the database already holds what happened, and the next change
re-renders the pinned declaration and the announcement from it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident
from workflows.incidents.messages.posts import (
    announcement_text,
    build_announcement_message,
    build_declaration_message,
    declaration_text,
    topic_text,
)
from workflows.deps import Deps
from workflows.incidents.render import RenderContext, load_render_context
from workflows.outbox.enqueue import owe_post

log = logging.getLogger(__name__)

__all__ = ["RenderContext", "load_render_context", "set_topic", "invite", "refresh_incident_messages",
           "owe_in_both", "owe_in_war_room", "owe_to_incidents_channel"]

_IGNORED_INVITE_ERRORS = {"already_in_channel", "cant_invite_self"}


async def _logged(call: Awaitable[Any], what: str) -> Any:
    try:
        return await call
    except SlackApiError as error:
        log.error("incident: %s failed: %s", what, error.response.get("error"))
        return None


async def set_topic(deps: Deps, incident: Incident) -> None:
    topic = topic_text(incident, deps.config)
    await _logged(deps.slack.conversations_setTopic(channel=incident.channel_id, topic=topic),
                  f"topic of {incident.channel_id}")


async def invite(deps: Deps, channel_id: str, users: list[str | None]) -> None:
    """Invite ``users`` (duplicates and None skipped); people already there are fine."""
    wanted = [u for u in dict.fromkeys(users) if u]
    if not wanted:
        return
    try:
        response = await deps.slack.conversations_invite(channel=channel_id, users=",".join(wanted), force=True)
    except SlackApiError as error:
        if error.response.get("error") not in _IGNORED_INVITE_ERRORS:
            log.error("incident: inviting %s to %s failed: %s", wanted, channel_id, error.response.get("error"))
        return
    for problem in response.get("errors") or []:
        if problem.get("error") not in _IGNORED_INVITE_ERRORS:
            log.warning("incident: %s not invited to %s: %s", problem.get("user"), channel_id, problem.get("error"))


async def refresh_incident_messages(deps: Deps, incident: Incident, context: RenderContext) -> None:
    """Re-render the pinned declaration and the announcement from the incident's state."""
    if incident.channel_id and incident.declaration_ts:
        await _logged(deps.slack.chat_update(
            channel=incident.channel_id, ts=incident.declaration_ts, text=declaration_text(incident),
            blocks=build_declaration_message(incident, deps.config, oncall_id=context.oncall_id, paged=context.paged,
                                             ticket=context.ticket)), "updating the declaration")
    if incident.announcement_channel_id and incident.announcement_ts:
        await _logged(deps.slack.chat_update(
            channel=incident.announcement_channel_id, ts=incident.announcement_ts, text=announcement_text(incident),
            blocks=build_announcement_message(incident, deps.config, ticket=context.ticket)),
            "updating the announcement")


async def owe_in_war_room(db: AsyncSession, incident: Incident, text: str, *, now: datetime,
                          blocks: list[dict[str, Any]] | None = None) -> None:
    """A message to the war room, owed in the caller's transaction (``workflows/outbox/enqueue.py``)."""
    if incident.channel_id:
        await owe_post(db, channel=incident.channel_id, text=text, blocks=blocks, now=now)


async def owe_to_incidents_channel(db: AsyncSession, deps: Deps, incident: Incident, text: str, *, now: datetime,
                                   blocks: list[dict[str, Any]] | None = None, broadcast: bool = True) -> None:
    """A reply under the announcement (``broadcast``: shown in the channel too), owed.
    Nothing for a private incident: its announcement carries no details, nor do replies."""
    if incident.private:
        return
    channel = incident.announcement_channel_id or deps.config.channels.incidents
    extra: dict[str, Any] = {}
    if incident.announcement_ts:
        extra.update(thread_ts=incident.announcement_ts, reply_broadcast=broadcast)
    await owe_post(db, channel=channel, text=text, blocks=blocks, now=now, **extra)


async def owe_in_both(db: AsyncSession, deps: Deps, incident: Incident, text: str, *, now: datetime,
                      broadcast: bool = True) -> None:
    """The same news in the war room and under the announcement in the incidents channel."""
    await owe_in_war_room(db, incident, text, now=now)
    await owe_to_incidents_channel(db, deps, incident, text, now=now, broadcast=broadcast)
