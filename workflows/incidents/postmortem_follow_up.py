"""The post-mortem's follow-through: its owner, marking it done, and the owner's reminders.

`/incident postmortem owner @someone` (the commander or an admin: naming who does what
is the commander's call) names the owner; until then it is the commander.
`/incident postmortem done URL` (anyone in the war room; anywhere, also after the war
room was archived, as `/incident postmortem done #12 URL`: ``workflows/incidents/reference.py``)
records where it is and stops the reminders. A sweep (``bot/jobs.py``) DMs the owner at ``postmortem_due_at``
(resolution + ``incidents.postmortem_due``, default 48h) and every 24 hours after until
it is done, each reminder claimed with ``… WHERE postmortem_reminded_at IS :seen`` in
the transaction that owes the DM; they stop 30 days after it was due.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from models.incident_queries import add_incident_event, claim_postmortem_reminder, postmortems_owing_reminders
from models.incidents import IncidentEventKind, IncidentStatus
from workflows.access.authority import Operation
from workflows.access.guard import authorize_incident_action
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState
from workflows.incidents.changes import incident_in_channel
from workflows.incidents.reference import follow_up_target
from workflows.incidents.messages.postmortem_follow_up import (
    postmortem_done_text,
    postmortem_owner_text,
    postmortem_reminder_text,
)
from workflows.incidents.war_room import owe_in_war_room
from workflows.outbox.enqueue import deliver_outbox, owe_post

log = logging.getLogger(__name__)

__all__ = ["REMIND_EVERY", "mark_postmortem_done", "parse_postmortem_url", "remind_postmortems",
           "set_postmortem_owner"]

REMIND_EVERY = timedelta(days=1)
#: After this long past due the reminders stop (and incidents resolved before the bot
#: kept post-mortems are not chased).
GIVE_UP_AFTER = timedelta(days=30)
_URL = re.compile(r"^<?(https?://[^\s|<>]{1,1000})(?:\|[^>]*)?>?$")


def parse_postmortem_url(token: str) -> str:
    match = _URL.match(token.strip())
    if match is None:
        raise InvalidRequest("Give the post-mortem's link: `/incident postmortem done https://…`.")
    return match.group(1)


async def set_postmortem_owner(*, deps: Deps, channel_id: str, user_id: str, owner_id: str) -> None:
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "postmortem owner", open_only=False)
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.ASSIGN_INCIDENT_ROLE,
                                        incident=incident)
        incident.postmortem_owner_id = owner_id
        add_incident_event(db, incident, IncidentEventKind.POSTMORTEM_OWNER_SET, actor_id=user_id, at=now,
                           detail={"owner": owner_id})
        await owe_in_war_room(db, incident, postmortem_owner_text(incident, actor_id=user_id), now=now)
    await deliver_outbox(deps)


async def mark_postmortem_done(*, deps: Deps, channel_id: str, user_id: str, url: str,
                               incident_id: int | None = None, team_id: str | None = None) -> str | None:
    """Record the post-mortem of the war room's incident (or of ``incident_id``) as done;
    the private answer when typed outside the war room (else None: the war room hears it)."""
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        target = await follow_up_target(db, channel_id=channel_id, incident_id=incident_id, team_id=team_id,
                                        actor=actor, command="postmortem done",
                                        usage=f"/incident postmortem done #{incident_id or 12} {url}")
        incident = target.incident
        if incident.status != IncidentStatus.RESOLVED:
            raise InvalidState(f"Incident #{incident.id} is still open; resolve it before its post-mortem is done.")
        incident.postmortem_done_at, incident.postmortem_url = now, url
        add_incident_event(db, incident, IncidentEventKind.POSTMORTEM_DONE, actor_id=user_id, at=now,
                           detail={"url": url})
        done = postmortem_done_text(incident, actor_id=user_id)
        await owe_in_war_room(db, incident, done, now=now)  # nothing once the room is archived
    await deliver_outbox(deps)
    return None if target.in_war_room else done


async def remind_postmortems(*, deps: Deps, limit: int = 50) -> int:
    """Sweep: DM the owners of post-mortems due and not done (daily); the reminders owed."""
    now = deps.clock()
    async with deps.sessions() as db:
        due = await postmortems_owing_reminders(db, now=now, every=REMIND_EVERY, give_up=GIVE_UP_AFTER, limit=limit)
    sent = 0
    for incident_id, seen in due:
        try:
            async with deps.sessions.begin() as db:
                incident = await claim_postmortem_reminder(db, incident_id, seen=seen, now=now)
                if incident is None:
                    continue
                owner = incident.postmortem_owner_id or incident.commander_id
                add_incident_event(db, incident, IncidentEventKind.POSTMORTEM_REMINDED, actor_id=None, at=now,
                                   detail={"owner": owner})
                await owe_post(db, channel=owner, text=postmortem_reminder_text(incident, now=now), now=now)
            sent += 1
        except Exception:
            log.exception("reminding the post-mortem of incident %s failed; the next sweep retries", incident_id)
    if sent:
        await deliver_outbox(deps)
    return sent
