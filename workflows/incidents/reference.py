"""The incident a follow-through command is about: the war room it is typed in, or the
incident named by its number from anywhere (a DM with the bot, another channel, after
its war room was archived, when `/incident` no longer works in it).

    /incident actions #12                 /incident action done #12 3
    /incident postmortem done #12 https://wiki.example/pm-12

``#12`` is the number the bot gives every incident ("Incident #12"). Named from outside
its war room, a private incident's follow-through is shown and changed only by the
people it concerns: its commander, its communications lead, its post-mortem owner, the
owners of its action items, and admins; anyone else is told it is private and sees
nothing of it. An incident of another Slack workspace is not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_action_queries import action_items
from models.incident_queries import get_incident, get_incident_by_channel
from models.incidents import Incident
from workflows.access.authority import ActorRoles
from workflows.errors import NotAllowed, NotFound
from workflows.log_context import bind_log_context

__all__ = ["FollowUpTarget", "follow_up_target", "parse_incident_reference"]

_REFERENCE = re.compile(r"^#(\d{1,9})$")


def parse_incident_reference(token: str) -> int | None:
    """``#12`` -> 12; anything else None."""
    match = _REFERENCE.match(token.strip())
    return int(match.group(1)) if match and token.isascii() else None


@dataclass(frozen=True)
class FollowUpTarget:
    incident: Incident
    #: The command was typed in the incident's war room, and the room still takes posts:
    #: what changes is posted there; elsewhere the person is answered privately.
    in_war_room: bool


async def _concerns(db: AsyncSession, incident: Incident, actor: ActorRoles) -> bool:
    if actor.admin or actor.user_id in (incident.commander_id, incident.comms_id, incident.postmortem_owner_id):
        return True
    return any(a.owner_id == actor.user_id for a in await action_items(db, incident.id))


async def follow_up_target(db: AsyncSession, *, channel_id: str, incident_id: int | None, team_id: str | None,
                           actor: ActorRoles, command: str, usage: str, lock: bool = True) -> FollowUpTarget:
    """The incident of the war room ``channel_id`` (``incident_id`` None) or incident
    ``incident_id``; NotFound or NotAllowed (see the module docstring). ``command`` (as
    "action done") and ``usage`` (it with a reference) are for who typed it elsewhere."""
    if incident_id is None:
        incident = await get_incident_by_channel(db, channel_id, lock=lock)
        if incident is None:
            raise NotFound(f"`/incident {command}` works in an incident's war room, or anywhere with the "
                           f"incident's number: `{usage}` (the number is in every message about the incident).")
    else:
        incident = await get_incident(db, incident_id, lock=lock)
        if incident is None or (team_id and incident.team_id != team_id):
            raise NotFound(f"There is no incident #{incident_id}.")
    bind_log_context(incident_id=incident.id)
    in_room = incident.channel_id == channel_id
    if incident.private and not in_room and not await _concerns(db, incident, actor):
        raise NotAllowed(f"Incident #{incident.id} is private: its follow-through is for its commander, its "
                         "communications lead, its post-mortem owner, the owners of its action items and admins.")
    return FollowUpTarget(incident, in_war_room=in_room and incident.archive_owed_at is None)
