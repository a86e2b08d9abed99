"""Changes to an open incident, typed in its war room: status updates, customer updates,
the commander, the comms lead, the severity.

Each change is one transaction on the locked incident row (new state, cadence re-armed,
a timeline row, a page when the severity rises to a paging priority); after commit
the war room (and, for updates and severity, the incidents channel) hears about it and
the pinned declaration and the announcement are re-rendered from state, all through
the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.log_context import bind_log_context
from models.deadlines import deadlines_changed
from models.incident_queries import (
    add_incident_event,
    get_incident,
    get_incident_by_channel,
    open_incident_channels,
)
from models.incidents import Incident, IncidentEventKind, IncidentStatus
from workflows.access.authority import Operation
from workflows.incidents.messages.posts import (
    build_status_update_message,
    commander_changed_text,
    comms_assigned_text,
    external_update_text,
    severity_changed_text,
    status_update_text,
)
from workflows.block_text import slack_date
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.errors import InvalidRequest, InvalidState, NotFound
from workflows.incidents.rules import INCIDENT_PRIORITIES, TEXT_MAX, first_due, is_raise
from workflows.incidents.statuspage import owe_external_on_statuspage, publish_after_commit
from workflows.incidents.war_room import owe_in_both, owe_in_war_room, owe_to_incidents_channel
from workflows.incidents.war_room_steps import owe_war_room_invite, owe_war_room_update, war_room_lane
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.pager import announce_page, record_incident_page
from workflows.access.guard import authorize_incident_action
from workflows.access.roles import roles_of

__all__ = ["incident_in_channel", "refresh_after_change", "post_incident_update", "record_external_update",
           "hand_over_command", "assign_incident_role", "change_incident_severity", "ROLES"]

ROLES = ("comms",)


async def incident_in_channel(db: AsyncSession, channel_id: str, command: str, *, lock: bool = True,
                              open_only: bool = True) -> Incident:
    """The incident whose war room this is; NotFound outside a war room, InvalidState
    when it is resolved (and ``open_only``)."""
    incident = await get_incident_by_channel(db, channel_id, lock=lock)
    if incident is None:
        rooms = await open_incident_channels(db)
        where = ("Open incidents: " + ", ".join(f"<#{c}>" for c in rooms) + ".") if rooms else \
            "There is no open incident; `/incident declare P1 what is broken` starts one."
        raise NotFound(f"`/incident {command}` works in an incident's war room, and this channel is not one. {where}")
    bind_log_context(incident_id=incident.id)
    if open_only and incident.status == IncidentStatus.RESOLVED:
        when = slack_date(incident.resolved_at) if incident.resolved_at else "earlier"
        raise InvalidState(f"Incident #{incident.id} was resolved {when}, so `/incident {command}` does nothing now. "
                           "`/incident postmortem` posts the post-mortem draft again; a new problem is a new "
                           "`/incident declare`.")
    return incident


async def refresh_after_change(deps: Deps, incident_id: int, *, topic: bool = False) -> Incident:
    """Owe the re-render of the declaration and the announcement (and the topic), then
    send it; what Slack refuses for now the outbox retries."""
    async with deps.sessions.begin() as db:
        incident = await get_incident(db, incident_id)
        assert incident is not None
        await owe_war_room_update(db, incident_id, now=deps.clock(), topic=topic)
    await deliver_outbox(deps, lanes=[war_room_lane(incident_id)])
    return incident


def _text(text: str, what: str, example: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidRequest(f"Write the {what}: `{example}`.")
    if len(text) > TEXT_MAX:
        raise InvalidRequest(f"Keep the {what} to {TEXT_MAX} characters.")
    return text


async def post_incident_update(*, deps: Deps, channel_id: str, user_id: str, text: str) -> None:
    """`/incident update …`: post it, cross-post it, restart the update cadence from now."""
    text = _text(text, "status update", "/incident update Rolled back the deploy; error rate falling")
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "update")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.POST_INCIDENT_UPDATE,
                                        incident=incident)
        incident.last_update_at = now
        incident.next_update_due_at = first_due(deps.config, incident.priority, now)
        deadlines_changed(db)
        add_incident_event(db, incident, IncidentEventKind.UPDATE_POSTED, actor_id=user_id, at=now,
                           detail={"text": text})
        await owe_in_war_room(db, incident, status_update_text(incident, text), now=now, blocks=(
            build_status_update_message(incident, deps.config, author_id=user_id, text=text, at=now)))
        await owe_to_incidents_channel(db, deps.config, incident, status_update_text(incident, text), now=now, blocks=(
            build_status_update_message(incident, deps.config, author_id=user_id, text=text, at=now,
                                        cross_post=True)))
    await deliver_outbox(deps)
    await refresh_after_change(deps, incident.id)


async def record_external_update(*, deps: Deps, channel_id: str, user_id: str, text: str,
                                 status: str | None = None) -> None:
    """`/incident external [status] …`: customers were updated; restart the external cadence;
    with ``statuspage`` in app.yaml, publish it there, with ``status`` (investigating,
    identified, monitoring; None keeps the page's) (``workflows/incidents/statuspage.py``)."""
    text = _text(text, "customer update", "/incident external identified Payments degraded, fix in progress")
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "external")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.POST_EXTERNAL_UPDATE,
                                        incident=incident)
        incident.last_external_update_at = now
        incident.next_external_update_due_at = first_due(deps.config, incident.priority, now, external=True)
        deadlines_changed(db)
        add_incident_event(db, incident, IncidentEventKind.EXTERNAL_UPDATE_POSTED, actor_id=user_id, at=now,
                           detail={"text": text, **({"status": status} if status else {})})
        note = owe_external_on_statuspage(db, deps, incident, text=text, status=status, actor_id=user_id, now=now)
        await owe_in_war_room(db, incident, external_update_text(incident, author_id=user_id, text=text, note=note,
                                                                 status=status), now=now)
    await deliver_outbox(deps)
    await publish_after_commit(deps=deps, incident_id=incident.id)


async def hand_over_command(*, deps: Deps, channel_id: str, user_id: str, commander_id: str) -> None:
    """`/incident commander @someone`: a new incident commander, announced."""
    actor = await roles_of(deps=deps, user_id=user_id)
    new_commander = await roles_of(deps=deps, user_id=commander_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "commander")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.HAND_OVER_COMMAND,
                                        incident=incident, new_commander=new_commander)
        previous = incident.commander_id
        if previous == commander_id:
            raise InvalidRequest(f"<@{commander_id}> is already the incident commander.")
        incident.commander_id = commander_id
        add_incident_event(db, incident, IncidentEventKind.COMMANDER_CHANGED, actor_id=user_id, at=now,
                           detail={"from": previous, "to": commander_id})
        text = commander_changed_text(incident, previous=previous, by=user_id)
        await owe_in_both(db, deps.config, incident, text, now=now, broadcast=False)
        await owe_war_room_invite(db, incident.id, [commander_id], now=now)
    await deliver_outbox(deps)
    await refresh_after_change(deps, incident.id, topic=True)


async def assign_incident_role(*, deps: Deps, channel_id: str, user_id: str, role: str, assignee_id: str) -> None:
    """`/incident role comms @someone`: the communications lead (customer updates)."""
    if role not in ROLES:
        raise InvalidRequest(f"Unknown role `{role[:30]}`. Roles: `comms` (and `/incident commander @someone`).")
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "role")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.ASSIGN_INCIDENT_ROLE,
                                        incident=incident)
        previous = incident.comms_id
        if previous == assignee_id:
            raise InvalidRequest(f"<@{assignee_id}> is already the communications lead.")
        incident.comms_id = assignee_id
        add_incident_event(db, incident, IncidentEventKind.ROLE_ASSIGNED, actor_id=user_id, at=now,
                           detail={"role": role, "user": assignee_id, "previous": previous})
        await owe_in_war_room(db, incident, comms_assigned_text(incident, by=user_id), now=now)
        await owe_war_room_invite(db, incident.id, [assignee_id], now=now)
    await deliver_outbox(deps)
    await refresh_after_change(deps, incident.id, topic=True)


def _rearm(db: AsyncSession, config: AppConfig, incident: Incident, now: datetime) -> None:
    incident.next_update_due_at = first_due(config, incident.priority, now)
    incident.next_external_update_due_at = first_due(config, incident.priority, now, external=True)
    deadlines_changed(db)


async def change_incident_severity(*, deps: Deps, channel_id: str, user_id: str, priority: str) -> None:
    """`/incident severity P0`: new priority, cadences re-armed from now, announced; a
    raise to a paging priority pages on-call (or adds the reason to the open page)."""
    if priority not in INCIDENT_PRIORITIES:
        raise InvalidRequest("Severity is P0, P1 or P2: `/incident severity P0`.")
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    record = None
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "severity")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.CHANGE_SEVERITY,
                                        incident=incident, priority=priority)
        previous = incident.priority
        if previous == priority:
            raise InvalidRequest(f"Incident #{incident.id} is already {priority}.")
        incident.priority = priority
        _rearm(db, deps.config, incident, now)
        add_incident_event(db, incident, IncidentEventKind.SEVERITY_CHANGED, actor_id=user_id, at=now,
                           detail={"from": previous, "to": priority})
        if is_raise(previous, priority) and deps.config.priority(priority).page:
            record = await record_incident_page(db, incident, deps=deps, now=now,
                                                reason=f"Severity raised from {previous} to {priority}")
        text = severity_changed_text(incident, deps.config, previous=previous, by=user_id,
                                     paged=record.triggered if record is not None else None)
        await owe_in_both(db, deps.config, incident, text, now=now)
    if record is not None:
        await announce_page(deps=deps, record=record)
    await deliver_outbox(deps)
    await refresh_after_change(deps, incident.id, topic=True)
