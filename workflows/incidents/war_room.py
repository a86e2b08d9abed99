"""The Slack side of an incident: its war-room channel and the messages kept from state.

``create_war_room_channel`` is the one call whose failure stops a declaration (there
is no incident without a war room). Every other call here runs after commit and only
logs a Slack error: the database already holds what happened, and the next change
re-renders the pinned declaration and the announcement from it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident
from models.page_queries import page_of_subject
from models.pages import PageSubjectKind
from models.tickets import Ticket
from workflows.incidents.messages.posts import (
    TicketRef,
    announcement_text,
    build_announcement_message,
    build_declaration_message,
    declaration_text,
    purpose_text,
    topic_text,
)
from workflows.deps import Deps
from workflows.errors import InvalidState
from workflows.incidents.rules import war_room_name
from workflows.paging.shifts import who_is_on_call
from workflows.outbox.enqueue import owe_post

log = logging.getLogger(__name__)

__all__ = ["RenderContext", "load_render_context", "create_war_room_channel", "set_up_war_room", "set_topic",
           "invite", "post_declaration", "post_announcement", "refresh_incident_messages", "post_to_channel",
           "owe_in_both", "owe_in_war_room", "owe_to_incidents_channel"]

MAX_NAME_ATTEMPTS = 50
_IGNORED_INVITE_ERRORS = {"already_in_channel", "cant_invite_self"}


@dataclass(frozen=True)
class RenderContext:
    """What the declaration shows besides the incident row: its ticket and its page."""

    ticket: TicketRef | None
    oncall_id: str | None
    paged: bool


async def load_render_context(db: AsyncSession, deps: Deps, incident: Incident) -> RenderContext:
    ticket = await db.get(Ticket, incident.ticket_id) if incident.ticket_id else None
    page = await page_of_subject(db, PageSubjectKind.INCIDENT, incident.id)
    oncall = page.oncall_user_id if page and page.oncall_user_id else \
        who_is_on_call(deps.config, incident.declared_at).primary
    return RenderContext(ticket=TicketRef(ticket.number, ticket.permalink) if ticket else None,
                         oncall_id=oncall, paged=page is not None)


async def _logged(call: Awaitable[Any], what: str) -> Any:
    try:
        return await call
    except SlackApiError as error:
        log.error("incident: %s failed: %s", what, error.response.get("error"))
        return None


async def create_war_room_channel(deps: Deps, *, title: str, now: datetime) -> tuple[str, str]:
    """conversations.create ``{prefix}{yyyymmdd}-{slug}`` (``-2``, ``-3``… when taken): (id, name)."""
    day = now.astimezone(deps.config.zone).date()
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        name = war_room_name(deps.config.incidents.channel_prefix, day, title, attempt=attempt)
        try:
            response = await deps.slack.conversations_create(name=name, is_private=False)
        except SlackApiError as error:
            if error.response.get("error") == "name_taken":
                continue
            raise InvalidState(f"Slack would not create the war-room channel `{name}` "
                               f"({error.response.get('error')}), so nothing was declared. "
                               "Ask a Slack admin to let supportbot create channels.") from error
        return response["channel"]["id"], response["channel"]["name"]
    raise InvalidState(f"Every war-room name up to `{name}` is taken; pick another title.")


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


async def set_up_war_room(deps: Deps, incident: Incident, invitees: list[str | None]) -> None:
    await set_topic(deps, incident)
    await _logged(deps.slack.conversations_setPurpose(channel=incident.channel_id, purpose=purpose_text(incident)),
                  f"purpose of {incident.channel_id}")
    await invite(deps, incident.channel_id or "", invitees)


async def post_declaration(deps: Deps, incident: Incident, context: RenderContext) -> str | None:
    """Post the declaration in the war room and pin it; its ts (None if Slack refused)."""
    blocks = build_declaration_message(incident, deps.config, oncall_id=context.oncall_id, paged=context.paged,
                                       ticket=context.ticket)
    response = await _logged(deps.slack.chat_postMessage(
        channel=incident.channel_id, text=declaration_text(incident), blocks=blocks, unfurl_links=False),
        f"declaration in {incident.channel_id}")
    if response is None:
        return None
    ts = response["ts"]
    await _logged(deps.slack.pins_add(channel=incident.channel_id, timestamp=ts), "pinning the declaration")
    return ts


async def post_announcement(deps: Deps, incident: Incident, context: RenderContext) -> str | None:
    response = await _logged(deps.slack.chat_postMessage(
        channel=deps.config.channels.incidents, text=announcement_text(incident),
        blocks=build_announcement_message(incident, deps.config, ticket=context.ticket), unfurl_links=False),
        "announcement in the incidents channel")
    return response["ts"] if response is not None else None


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


async def post_to_channel(deps: Deps, channel_id: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    args: dict[str, Any] = {"blocks": blocks} if blocks else {}
    await _logged(deps.slack.chat_postMessage(channel=channel_id, text=text, unfurl_links=False, **args),
                  f"message in {channel_id}")


async def owe_in_war_room(db: AsyncSession, incident: Incident, text: str, *, now: datetime,
                          blocks: list[dict[str, Any]] | None = None) -> None:
    """A message to the war room, owed in the caller's transaction (``workflows/outbox/enqueue.py``)."""
    if incident.channel_id:
        await owe_post(db, channel=incident.channel_id, text=text, blocks=blocks, now=now)


async def owe_to_incidents_channel(db: AsyncSession, deps: Deps, incident: Incident, text: str, *, now: datetime,
                                   blocks: list[dict[str, Any]] | None = None, broadcast: bool = True) -> None:
    """A reply under the announcement (``broadcast``: shown in the channel too), owed."""
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
