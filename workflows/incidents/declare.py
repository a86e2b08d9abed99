"""Declaring an incident: war room, pinned declaration, announcement, page.

First the declarer must be allowed to declare it (``workflows/incidents/admission.py``:
P0/P1 with roles, the per-person limit; refused, nothing is created). The war-room
channel is created next (without it there is no incident; a Slack
refusal answers the declarer and records nothing). One transaction then stores the
incident, its ``declared`` timeline row, the first reminder due times and — for a
paging priority — the page (``record_incident_page``), so the page is owed even if the
process stops right after. After commit: topic, purpose, invites, the declaration
(posted and pinned), the announcement in the incidents channel, and the page's
delivery. A ticket has at most one open incident: its row is locked while declaring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from models.deadlines import deadlines_changed
from models.incident_queries import add_incident_event, get_incident, open_incident_for_ticket
from models.incidents import Incident, IncidentEventKind, IncidentStatus
from models.ticket_queries import get_ticket
from models.tickets import Ticket, TicketStatus
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState, NotFound, SupportbotError
from workflows.access.limits import enforce_declaration_limit
from workflows.incidents.admission import admit_declaration
from workflows.incidents.rules import DESCRIPTION_MAX, INCIDENT_PRIORITIES, TITLE_MAX, first_due
from workflows.incidents.war_room import (
    create_war_room_channel, load_render_context, post_announcement, post_declaration, post_to_channel, set_up_war_room,
)
from workflows.paging.shifts import who_is_on_call
from workflows.paging.pager import announce_page, record_incident_page

log = logging.getLogger(__name__)

__all__ = ["DeclaredIncident", "declare_incident", "declare_incident_from_ticket", "declare_incident_on_escalation",
           "declared_text"]

PAGE_REASON = "Incident declared"


@dataclass(frozen=True)
class DeclaredIncident:
    incident_id: int
    priority: str
    channel_id: str
    paged: bool
    created: bool = True  # False: the ticket already had this open incident
    ticket_number: int | None = None


def declared_text(declared: DeclaredIncident) -> str:
    """The declarer's confirmation (ephemeral or DM)."""
    if not declared.created:
        return (f"Ticket #{declared.ticket_number} already has an open incident: #{declared.incident_id} "
                f"in <#{declared.channel_id}>.")
    paged = " On-call has been paged." if declared.paged else ""
    return (f"Incident #{declared.incident_id} ({declared.priority}) declared: war room <#{declared.channel_id}>, "
            f"declaration pinned there, announced in the incidents channel.{paged}")


def _check(title: str, priority: str, description: str | None) -> None:
    if not title.strip():
        raise InvalidRequest("Give the incident a title: `/incident declare P1 Checkout failing for EU customers`.")
    if len(title) > TITLE_MAX:
        raise InvalidRequest(f"Keep the incident title to {TITLE_MAX} characters; put details in the first update.")
    if priority not in INCIDENT_PRIORITIES:
        raise InvalidRequest("An incident is P0, P1 or P2 (a P3 is a ticket: `/ticket`).")
    if description and len(description) > DESCRIPTION_MAX:
        raise InvalidRequest(f"Keep the description to {DESCRIPTION_MAX} characters.")


def _existing(ticket: Ticket | None, incident: Incident | None) -> DeclaredIncident | None:
    if incident is None or ticket is None:
        return None
    return DeclaredIncident(incident.id, incident.priority, incident.channel_id or "", paged=False, created=False,
                            ticket_number=ticket.number)


async def declare_incident(
    *, deps: Deps, team_id: str, declarer_id: str, title: str, priority: str, description: str | None = None,
    commander_id: str | None = None, ticket_id: int | None = None,
) -> DeclaredIncident:
    """Declare an incident (from `/incident declare`, the modal, or a ticket)."""
    title, description = title.strip(), (description or "").strip() or None
    _check(title, priority, description)
    commander = commander_id or declarer_id
    if ticket_id is not None:
        async with deps.sessions() as db:
            ticket = await db.get(Ticket, ticket_id)
            found = _existing(ticket, await open_incident_for_ticket(db, ticket_id))
        if found:
            return found
    await admit_declaration(deps=deps, team_id=team_id, declarer_id=declarer_id, priority=priority,
                            ticket_id=ticket_id)
    now = deps.clock()
    channel_id, channel_name = await create_war_room_channel(deps, title=title, now=now)
    paging = deps.config.priority(priority).page
    invitees: list[str | None] = [declarer_id, commander, who_is_on_call(deps.config, now).primary]
    record = None
    async with deps.sessions.begin() as db:
        await enforce_declaration_limit(db, config=deps.config, team_id=team_id, user_id=declarer_id, now=now)
        ticket = await get_ticket(db, ticket_id, for_update=True) if ticket_id is not None else None
        if ticket_id is not None and ticket is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        found = _existing(ticket, await open_incident_for_ticket(db, ticket.id) if ticket else None)
        if found is None:
            incident = Incident(
                team_id=team_id, title=title, description=description, priority=priority,
                status=IncidentStatus.OPEN, commander_id=commander, channel_id=channel_id, channel_name=channel_name,
                announcement_channel_id=deps.config.channels.incidents, ticket_id=ticket_id, declared_by=declarer_id,
                declared_at=now, next_update_due_at=first_due(deps.config, priority, now),
                next_external_update_due_at=first_due(deps.config, priority, now, external=True),
            )
            db.add(incident)
            await db.flush()
            deadlines_changed(db)
            add_incident_event(db, incident, IncidentEventKind.DECLARED, actor_id=declarer_id, at=now, detail={
                "priority": priority, "title": title, "commander": commander, "channel": channel_id,
                "channel_name": channel_name, "ticket_id": ticket_id,
            })
            if ticket is not None:
                invitees += [ticket.reporter_id, ticket.assignee_id]
            if paging:
                record = await record_incident_page(db, incident, deps=deps, now=now, reason=PAGE_REASON)
    if found is not None:  # lost a race with another declaration for this ticket
        await _point_to(deps, channel_id, found)
        return found
    if record is not None:
        await announce_page(deps=deps, record=record)
    await _open_war_room(deps, incident.id, invitees)
    return DeclaredIncident(incident.id, priority, channel_id, paged=record is not None,
                            ticket_number=ticket.number if ticket else None)


async def _point_to(deps: Deps, channel_id: str, found: DeclaredIncident) -> None:
    await post_to_channel(deps, channel_id, f"This channel is not needed: ticket #{found.ticket_number} is handled "
                                            f"in <#{found.channel_id}> (incident #{found.incident_id}).")


async def _open_war_room(deps: Deps, incident_id: int, invitees: list[str | None]) -> None:
    async with deps.sessions() as db:
        incident = await get_incident(db, incident_id)
        assert incident is not None
        context = await load_render_context(db, deps, incident)
    await set_up_war_room(deps, incident, invitees)
    declaration_ts = await post_declaration(deps, incident, context)
    announcement_ts = await post_announcement(deps, incident, context)
    async with deps.sessions.begin() as db:
        stored = await get_incident(db, incident_id, lock=True)
        assert stored is not None
        stored.declaration_ts = declaration_ts
        stored.announcement_ts = announcement_ts


async def declare_incident_from_ticket(*, deps: Deps, ticket_id: int, actor_id: str,
                                       team_id: str | None = None) -> DeclaredIncident:
    """The card's "Declare incident" button (and a P0 escalation): the ticket's incident.

    Title, priority and description come from the ticket; the actor commands; the
    reporter and the assignee are invited. A ticket with an open incident gets it back.
    ``team_id`` (a click): the ticket must be that workspace's.
    """
    async with deps.sessions() as db:
        ticket = await db.get(Ticket, ticket_id)
    if ticket is None or (team_id is not None and ticket.team_id != team_id):
        raise NotFound(f"Ticket {ticket_id} not found.")
    if ticket.status == TicketStatus.RESOLVED:
        raise InvalidState(f"#{ticket.number} is resolved; reopen it before declaring an incident.")
    if ticket.priority not in INCIDENT_PRIORITIES:
        raise InvalidState(f"#{ticket.number} is {ticket.priority}; raise it to P0–P2 to declare an incident.")
    return await declare_incident(
        deps=deps, team_id=ticket.team_id, declarer_id=actor_id, title=ticket.summary[:TITLE_MAX],
        priority=ticket.priority, description=(ticket.description or "")[:DESCRIPTION_MAX] or None,
        commander_id=actor_id, ticket_id=ticket.id,
    )


async def declare_incident_on_escalation(
    *, deps: Deps, ticket: Ticket, actor_id: str | None,
) -> DeclaredIncident | None:
    """Escalating a P0 ticket declares its incident (once); the escalation stands either way."""
    if ticket.priority != "P0" or actor_id is None:
        return None
    try:
        return await declare_incident_from_ticket(deps=deps, ticket_id=ticket.id, actor_id=actor_id)
    except SupportbotError as error:
        log.warning("escalating P0 ticket #%s declared no incident: %s", ticket.number, error.message)
        return None
