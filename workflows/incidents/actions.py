"""Action items: `/incident action @owner YYYY-MM-DD text`, `/incident actions`,
`/incident action done N`, and the owners' reminders.

Typed in the war room (open or resolved). Anyone there may add an item or mark one done
(the matrix lets anyone talk in the war room); each change is on the timeline and
posted in the war room through the outbox. `/incident actions #12` and `/incident
action done #12 3` also work anywhere else, and after the war room was archived
(``workflows/incidents/reference.py``: a private incident's only for the people it
concerns); typed outside the war room, they are answered privately. The due day is a day in app.yaml's
``timezone``. A sweep (``bot/jobs.py``) reminds each open item's owner by DM on its
due day and every day after until it is done, at most once a day (``reminded_on``,
claimed in the transaction that owes the DM), from the start of the desk's business
day (``business_hours.start``).
"""

from __future__ import annotations

import logging
from datetime import date

from models.incident_action_queries import action_items, claim_action_reminder, due_action_items, next_action_number
from models.incident_actions import IncidentAction
from models.incident_queries import add_incident_event, get_incident
from models.incidents import IncidentEventKind
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState, NotFound
from workflows.incidents.changes import incident_in_channel
from workflows.incidents.messages.actions import (
    action_added_text,
    action_done_text,
    action_list_text,
    action_reminder_text,
)
from workflows.incidents.reference import follow_up_target
from workflows.incidents.rules import TEXT_MAX
from workflows.incidents.war_room import owe_in_war_room
from workflows.outbox.enqueue import deliver_outbox, owe_post

log = logging.getLogger(__name__)

__all__ = ["add_action_item", "complete_action_item", "list_action_items", "remind_action_items"]


def _today(deps: Deps) -> date:
    return deps.clock().astimezone(deps.config.zone).date()


async def add_action_item(*, deps: Deps, channel_id: str, user_id: str, owner_id: str, due_on: date,
                          text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidRequest("Say what is to be done: `/incident action @owner YYYY-MM-DD what to do`.")
    if len(text) > TEXT_MAX:
        raise InvalidRequest(f"Keep an action item to {TEXT_MAX} characters.")
    if due_on < _today(deps):
        raise InvalidRequest(f"{due_on.isoformat()} is in the past; give the day it is due.")
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "action", open_only=False)
        action = IncidentAction(incident_id=incident.id, number=await next_action_number(db, incident.id),
                                owner_id=owner_id, due_on=due_on, text=text, created_by=user_id, created_at=now)
        db.add(action)
        await db.flush()
        add_incident_event(db, incident, IncidentEventKind.ACTION_ADDED, actor_id=user_id, at=now, detail={
            "number": action.number, "owner": owner_id, "due": due_on.isoformat(), "text": text})
        posted = action_added_text(action, incident_id=incident.id)
        await owe_in_war_room(db, incident, posted, now=now)
    await deliver_outbox(deps)
    return posted


async def complete_action_item(*, deps: Deps, channel_id: str, user_id: str, number: int,
                               incident_id: int | None = None, team_id: str | None = None) -> str | None:
    """Mark item ``number`` of the war room's incident (or of incident ``incident_id``)
    done; the private answer when it was typed outside the war room (else None: the war
    room's post says it)."""
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        target = await follow_up_target(db, channel_id=channel_id, incident_id=incident_id, team_id=team_id,
                                        actor=actor, command="action done",
                                        usage=f"/incident action done #{incident_id or 12} {number}")
        incident = target.incident
        action = next((a for a in await action_items(db, incident.id) if a.number == number), None)
        if action is None:
            raise NotFound(f"Incident #{incident.id} has no action item {number}; "
                           f"`/incident actions #{incident.id}` lists them.")
        if action.done_at is not None:
            raise InvalidState(f"Action item {number} of incident #{incident.id} is already done.")
        action.done_at, action.done_by = now, user_id
        add_incident_event(db, incident, IncidentEventKind.ACTION_DONE, actor_id=user_id, at=now, detail={
            "number": number, "text": action.text})
        done = action_done_text(action, incident_id=incident.id)
        await owe_in_war_room(db, incident, done, now=now)  # nothing once the room is archived
    await deliver_outbox(deps)
    return None if target.in_war_room else done


async def list_action_items(*, deps: Deps, channel_id: str, user_id: str, incident_id: int | None = None,
                            team_id: str | None = None) -> str:
    actor = await roles_of(deps=deps, user_id=user_id)
    async with deps.sessions() as db:
        target = await follow_up_target(db, channel_id=channel_id, incident_id=incident_id, team_id=team_id,
                                        actor=actor, command="actions", usage=f"/incident actions #{incident_id or 12}",
                                        lock=False)
        actions = await action_items(db, target.incident.id)
    return action_list_text(actions, incident_id=target.incident.id, today=_today(deps))


async def remind_action_items(*, deps: Deps, limit: int = 50) -> int:
    """Sweep: DM the owners of items due today or overdue, once a day; the reminders owed."""
    now = deps.clock()
    local = now.astimezone(deps.config.zone)
    if local.time() < deps.config.business_hours.start:
        return 0  # the desk's day has not begun
    today = local.date()
    async with deps.sessions() as db:
        due = await due_action_items(db, today=today, limit=limit)
    sent = 0
    for action_id in due:
        try:
            async with deps.sessions.begin() as db:
                action = await claim_action_reminder(db, action_id, today=today)
                if action is None:
                    continue
                incident = await get_incident(db, action.incident_id)
                await owe_post(db, channel=action.owner_id, now=now, text=action_reminder_text(
                    action, incident_id=action.incident_id, channel_id=incident.channel_id if incident else None,
                    today=today))
            sent += 1
        except Exception:
            log.exception("reminding action item %s failed; the next sweep retries", action_id)
    if sent:
        await deliver_outbox(deps)
    return sent
