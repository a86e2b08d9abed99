"""Opening an incident's war room on Slack, step by step, through the outbox.

    async with deps.sessions.begin() as db:
        db.add(incident)                                    # no channel yet: the intent
        await owe_war_room(db, incident, invitees, now=now)
    await deliver_outbox(deps, lanes=[war_room_lane(incident.id)])

The declaration records the incident first; the rows owed with it then do on Slack
what it implies, in order, in the incident's own lane: create the channel, set its
topic and purpose, invite, post the declaration, pin it, announce the incident in the
incidents channel. Each step is one outbox row, retried like any message (a 5xx, a
429, a paused token): a failure never leaves a step half done for another to redo,
and never creates a second channel.

Creating: ``inc-20261125-title`` (``-2``, ``-3``… when taken). Before asking Slack for a
name the step notes it on the incident, committed, unless another incident has noted
or holds it already (that name is theirs: the next one is tried). A retry after an
answer that never came (a timeout, a crash, a 5xx after Slack had created it) knows
from the note which name may already be its own: when Slack says that name is taken,
the step looks the channel up (``conversations.list``) and reuses it if the bot
created it and no incident has it.

The steps after the channel skip themselves when there is none (Slack refused to
create it for good). When that refusal comes on a retry, after the declarer was
answered, the declarer is told by DM.

Later changes owe more steps in the same lane (so they follow the opening ones):
invites (a new commander, a comms lead) and the re-render of the topic, the pinned
declaration and the announcement (``owe_war_room_update``), each rendered from the
incident as it is when it goes out. The archive (``owe_war_room_archive``,
``workflows/incidents/archive.py``) goes in the war room channel's own lane instead,
behind every post owed to the room and its last message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_queries import add_incident_event, get_incident
from models.incidents import Incident, IncidentEvent, IncidentEventKind
from models.outbox import OutboxKind, OutboxMessage, enqueue
from workflows.incidents.messages.posts import (
    announcement_text,
    build_announcement_message,
    build_declaration_message,
    declaration_text,
    purpose_text,
    topic_text,
)
from workflows.deps import Deps, OutboxStep
from workflows.incidents.render import load_render_context
from workflows.incidents.rules import war_room_name
from workflows.outbox.calls import Answer, Delivery, SlackCall, call_delivery
from workflows.outbox.errors import Undeliverable

log = logging.getLogger(__name__)

__all__ = ["ALL_NAMES_TAKEN", "CREATE", "MAX_NAME_ATTEMPTS", "OUTBOX_STEPS", "owe_war_room", "owe_war_room_archive",
           "owe_war_room_invite", "owe_war_room_update", "prepare_war_room_step", "war_room_lane"]

MAX_NAME_ATTEMPTS = 50
ALL_NAMES_TAKEN = "all_names_taken"
CREATE, TOPIC, PURPOSE, INVITE, DECLARATION, PIN, ANNOUNCEMENT = (
    "create", "topic", "purpose", "invite", "declaration", "pin", "announcement")
STEPS = (CREATE, TOPIC, PURPOSE, INVITE, DECLARATION, PIN, ANNOUNCEMENT)
UPDATE = "update"  # after a change: chat.update of the pinned declaration and the announcement
FAREWELL, ARCHIVE = "farewell", "archive"  # the last message, conversations.archive (incidents.archive_after)
_IGNORED_INVITE_ERRORS = {"already_in_channel", "cant_invite_self"}


def war_room_lane(incident_id: int) -> str:
    """The outbox lane of an incident's opening steps."""
    return f"incident-{incident_id}"


async def owe_war_room(db: AsyncSession, incident: Incident, invitees: list[str | None], *, now: Any) -> None:
    """Owe every step of opening ``incident``'s war room, in the caller's transaction."""
    assert incident.id is not None, "flush the incident first"
    for step in STEPS:
        payload: dict[str, Any] = {"incident_id": incident.id, "step": step}
        if step == INVITE:
            payload["users"] = [u for u in dict.fromkeys(invitees) if u]
        await enqueue(db, lane=war_room_lane(incident.id), kind=OutboxKind.WAR_ROOM, now=now, payload=payload)


async def owe_war_room_update(db: AsyncSession, incident_id: int, *, now: Any, topic: bool = False) -> None:
    """Owe the re-render of the pinned declaration and the announcement (and, with
    ``topic``, of the channel's topic); one owed earlier and not yet sent is replaced."""
    lane = war_room_lane(incident_id)
    if topic:
        await enqueue(db, lane=lane, kind=OutboxKind.WAR_ROOM, now=now, coalesce_key=f"incident:{incident_id}:topic",
                      payload={"incident_id": incident_id, "step": TOPIC})
    await enqueue(db, lane=lane, kind=OutboxKind.WAR_ROOM, now=now, coalesce_key=f"incident:{incident_id}:update",
                  payload={"incident_id": incident_id, "step": UPDATE})


async def owe_war_room_invite(db: AsyncSession, incident_id: int, users: list[str | None], *, now: Any) -> None:
    """Owe an invitation of ``users`` (duplicates and None skipped) to the war room."""
    wanted = [u for u in dict.fromkeys(users) if u]
    if wanted:
        await enqueue(db, lane=war_room_lane(incident_id), kind=OutboxKind.WAR_ROOM, now=now,
                      payload={"incident_id": incident_id, "step": INVITE, "users": wanted})


async def owe_war_room_archive(db: AsyncSession, incident: Incident, text: str, *, now: Any) -> None:
    """Owe the war room's last message (``text``), then its archive, behind whatever its
    channel is owed already."""
    assert incident.channel_id, "a war room to archive"
    for payload in ({"step": FAREWELL, "text": text}, {"step": ARCHIVE}):
        await enqueue(db, lane=incident.channel_id, kind=OutboxKind.WAR_ROOM, now=now,
                      payload={"incident_id": incident.id, **payload})


async def prepare_war_room_step(db: AsyncSession, deps: Deps, row: OutboxMessage) -> Delivery | None:
    """The delivery of one step (None: nothing to do, e.g. no war room to set up)."""
    incident = await get_incident(db, int(row.payload["incident_id"]))
    step = row.payload.get("step")
    if incident is None:
        return None  # the declaration was withdrawn
    if step == CREATE:
        return None if incident.channel_id else _create(deps, incident, row)
    channel = incident.channel_id
    if not channel:
        return None  # Slack refused to create it: nothing to set up, nothing to announce
    if step == TOPIC:
        return _call("conversations.setTopic", channel=channel, topic=topic_text(incident, deps.config))
    if step == PURPOSE:
        return _call("conversations.setPurpose", channel=channel, purpose=purpose_text(incident))
    if step == INVITE:
        return _invite(channel, list(row.payload.get("users") or []))
    if step == FAREWELL:  # someone archived the room already: nobody reads it there
        return None if incident.archived_at else _farewell(channel, str(row.payload.get("text") or ""))
    if step == ARCHIVE:
        return None if incident.archived_at else _archive(deps, incident.id, channel)
    if step == PIN:
        if not incident.declaration_ts:
            return None
        return _call("pins.add", ignore={"already_pinned"}, channel=channel, timestamp=incident.declaration_ts)
    context = await load_render_context(db, deps.config, incident)
    if step == DECLARATION:
        if incident.declaration_ts:
            return None
        blocks = build_declaration_message(incident, deps.config, oncall_id=context.oncall_id, paged=context.paged,
                                           ticket=context.ticket)
        return call_delivery(SlackCall("chat.postMessage", {
            "channel": channel, "text": declaration_text(incident), "blocks": blocks, "unfurl_links": False}),
            record=_recorder(incident.id, "declaration_ts"))
    if step == ANNOUNCEMENT:
        if incident.announcement_ts:
            return None
        where = incident.announcement_channel_id or deps.config.channels.incidents
        return call_delivery(SlackCall("chat.postMessage", {
            "channel": where, "text": announcement_text(incident),
            "blocks": build_announcement_message(incident, deps.config, ticket=context.ticket),
            "unfurl_links": False}), record=_recorder(incident.id, "announcement_ts", channel=where))
    if step == UPDATE:
        updates = []
        if incident.declaration_ts:
            updates.append({"channel": channel, "ts": incident.declaration_ts, "text": declaration_text(incident),
                            "blocks": build_declaration_message(incident, deps.config, oncall_id=context.oncall_id,
                                                                paged=context.paged, ticket=context.ticket)})
        if incident.announcement_channel_id and incident.announcement_ts:
            updates.append({"channel": incident.announcement_channel_id, "ts": incident.announcement_ts,
                            "text": announcement_text(incident),
                            "blocks": build_announcement_message(incident, deps.config, ticket=context.ticket)})
        return _updates(updates) if updates else None
    raise Undeliverable(f"unknown_step_{step}")


#: The outbox kind this room owns, for ``Deps.outbox_steps`` (``bot/runtime.py``).
OUTBOX_STEPS: Mapping[OutboxKind, OutboxStep] = {OutboxKind.WAR_ROOM: prepare_war_room_step}


def _call(method: str, *, ignore: frozenset[str] | set[str] = frozenset(), **args: Any) -> Delivery:
    """One Slack Web API call; errors in ``ignore`` mean it is done already."""
    async def send(slack: AsyncWebClient) -> Answer:
        try:
            return await slack.api_call(method, params=args)
        except SlackApiError as error:
            if error.response.get("error") in ignore:
                return {}
            raise
    return Delivery(send=send, text=f"{method} {args}")


def _farewell(channel: str, text: str) -> Delivery:
    call = _call("chat.postMessage", ignore={"is_archived"}, channel=channel, text=text, unfurl_links=False)
    return Delivery(send=call.send, paced_channel=channel, text=text)


def _archive(deps: Deps, incident_id: int, channel: str) -> Delivery:
    """conversations.archive; archived already (by someone, or by an attempt whose answer
    was lost) counts as done. Records when, on the incident and its timeline."""
    call = _call("conversations.archive", ignore={"already_archived"}, channel=channel)

    async def record(db: AsyncSession, answer: Answer) -> None:
        incident = await get_incident(db, incident_id, lock=True)
        if incident is None or incident.archived_at is not None:
            return
        now = deps.clock()
        incident.archived_at = now
        add_incident_event(db, incident, IncidentEventKind.ARCHIVED, actor_id=None, at=now,
                           detail={"channel": channel})

    return Delivery(send=call.send, record=record, text=f"archive the war room {channel} of incident #{incident_id}")


def _updates(updates: list[dict[str, Any]]) -> Delivery:
    """chat.update of each message; a retry after a failure updates them all again (harmless)."""
    async def send(slack: AsyncWebClient) -> Answer:
        answer: Answer = {}
        for args in updates:
            answer = await slack.chat_update(**args)
        return answer
    return Delivery(send=send, text=" / ".join(str(u["text"]) for u in updates))


def _invite(channel: str, users: list[str]) -> Delivery | None:
    if not users:
        return None

    async def send(slack: AsyncWebClient) -> Answer:
        try:
            answer = await slack.conversations_invite(channel=channel, users=",".join(users), force=True)
        except SlackApiError as error:
            if error.response.get("error") in _IGNORED_INVITE_ERRORS:
                return {}
            raise
        for problem in answer.get("errors") or []:
            if problem.get("error") not in _IGNORED_INVITE_ERRORS:
                log.warning("incident: %s not invited to %s: %s", problem.get("user"), channel, problem.get("error"))
        return answer

    return Delivery(send=send, text=f"invite {users} to {channel}")


def _recorder(incident_id: int, column: str, *, channel: str | None = None):
    async def record(db: AsyncSession, answer: Answer) -> None:
        incident = await get_incident(db, incident_id, lock=True)
        if incident is None:
            return
        setattr(incident, column, str(answer["ts"]))
        if channel is not None:
            incident.announcement_channel_id = channel
    return record


def _create(deps: Deps, incident: Incident, row: OutboxMessage) -> Delivery:
    incident_id, title, declarer, private = incident.id, incident.title, incident.declared_by, incident.private
    day = incident.declared_at.astimezone(deps.config.zone).date()
    prefix = deps.config.incidents.channel_prefix
    # The name asked for on the previous attempt, whose answer never came: maybe ours already.
    maybe_ours = incident.channel_name if row.attempts > 1 else None

    async def send(slack: AsyncWebClient) -> Answer:
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = war_room_name(prefix, day, title, attempt=attempt)
            if not await _note_name(deps, incident_id, name):
                continue  # another incident's war room, or its attempt under way
            try:
                answer = await slack.conversations_create(name=name, is_private=private)
            except SlackApiError as error:
                if error.response.get("error") != "name_taken":
                    raise
                if name == maybe_ours and (found := await _own_channel(deps, slack, name, private=private)):
                    log.info("incident #%s: reusing its war room %s (%s), created by an earlier attempt",
                             incident_id, name, found)
                    return {"channel": {"id": found, "name": name}}
                continue
            return {"channel": {"id": answer["channel"]["id"], "name": answer["channel"]["name"]}}
        raise Undeliverable(ALL_NAMES_TAKEN)

    async def record(db: AsyncSession, answer: Answer) -> None:
        stored = await get_incident(db, incident_id, lock=True)
        if stored is None:
            return
        stored.channel_id, stored.channel_name = answer["channel"]["id"], answer["channel"]["name"]
        declared = (await db.execute(select(IncidentEvent).where(
            IncidentEvent.incident_id == incident_id, IncidentEvent.kind == IncidentEventKind.DECLARED))).scalar()
        if declared is not None:  # the timeline names the war room once there is one
            declared.detail = {**(declared.detail or {}), "channel": stored.channel_id,
                               "channel_name": stored.channel_name}

    async def on_failure(db: AsyncSession, reason: str) -> None:
        if row.attempts <= 1:
            return  # made while the declarer waits: the answer says so, and the declaration is withdrawn
        stored = await get_incident(db, incident_id, lock=True)
        if stored is not None and not stored.channel_id:
            stored.channel_name = None  # the noted name was never ours: free it for other incidents
        await enqueue(db, lane=declarer, kind=OutboxKind.POST, now=deps.clock(), payload={
            "channel": declarer, "unfurl_links": False,
            "text": f":warning: Slack would not create the war room of incident #{incident_id} ({reason}). "
                    "The incident is recorded without one; ask a Slack admin to let supportbot create channels."})

    return Delivery(send=send, record=record, on_failure=on_failure,
                    text=f"the war room of incident #{incident_id} ({title})")


async def _note_name(deps: Deps, incident_id: int, name: str) -> bool:
    """Note ``name`` as the one this incident asks Slack for, unless another incident
    noted or holds it; committed before the call, so a retry knows it."""
    async with deps.sessions.begin() as db:
        taken = (await db.execute(select(Incident.id).where(
            Incident.channel_name == name, Incident.id != incident_id).limit(1))).first()
        if taken is not None:
            return False
        incident = await get_incident(db, incident_id, lock=True)
        if incident is None:
            raise Undeliverable("incident_withdrawn")
        incident.channel_name = name
    return True


async def _own_channel(deps: Deps, slack: AsyncWebClient, name: str, *, private: bool = False) -> str | None:
    """The channel ``name`` (private or public) if the bot created it and no incident has it."""
    me = (await slack.auth_test()).get("user_id")
    cursor: str | None = None
    while True:
        page = await slack.conversations_list(types="private_channel" if private else "public_channel",
                                              exclude_archived=True, limit=1000,
                                              cursor=cursor)
        for channel in page.get("channels") or []:
            if channel.get("name") != name:
                continue
            if channel.get("creator") != me:
                return None
            async with deps.sessions() as db:
                linked = (await db.execute(select(Incident.id).where(Incident.channel_id == channel["id"]))).first()
            return None if linked is not None else str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
