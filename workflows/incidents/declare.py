"""Declaring an incident: war room, pinned declaration, announcement, page.

First the declarer must be allowed to declare it (``workflows/incidents/admission.py``:
P0/P1 with roles, the per-person limit; refused, nothing is created). Then the intent is
recorded, in one transaction: the incident (no channel yet), its
``declared`` timeline row, the first reminder due times, the page for a paging priority
(``record_incident_page``, its PagerDuty trigger held back until the war room's first
attempt, ``models/incident_intents.py``), and every step of opening the war room owed
to the Slack outbox (``workflows/incidents/war_room_steps.py``): create the channel, topic,
purpose, invites, the declaration posted and pinned, the announcement in the incidents
channel. A ticket has at most one open incident: its row is locked while declaring, so
a second declaration for it finds the first before any channel exists.

After commit the declarer waits for the war room's first attempt (the outbox sends the
incident's steps at once):

- created: the page is sent on its way and the declarer told where the war room is;
- Slack refused the channel for good (``restricted_action`` …, every name taken): the
  declaration is withdrawn, nothing was paged or posted, and the declarer told why;
- not yet (a 5xx, a timeout, a paused token): the incident stands and is paged; the
  outbox keeps trying, reusing the channel if an earlier attempt made it, and the
  declarer is told so. If Slack refuses it for good later, the declarer gets a DM.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.deadlines import deadlines_changed
from models.incident_intents import drop_held_page_messages, hold_page, release_page, withdraw_incident
from models.incident_queries import add_incident_event, get_incident, open_incident_for_ticket
from models.incidents import Incident, IncidentEventKind, IncidentStatus
from models.outbox import OutboxMessage, OutboxStatus, delete_lane, lane_rows
from models.outbox_pause import relay_pause
from models.ticket_queries import get_ticket
from models.tickets import Ticket
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState, NotFound, SupportbotError
from workflows.access.limits import enforce_declaration_limit
from workflows.incidents.admission import admit_declaration
from workflows.incidents.rules import DESCRIPTION_MAX, INCIDENT_PRIORITIES, TITLE_MAX, first_due
from workflows.outbox.enqueue import deliver_outbox
from workflows.outbox.relay import LEASE
from workflows.paging.roster import on_duty
from workflows.paging.pager import announce_page, record_incident_page
from workflows.incidents.war_room_steps import ALL_NAMES_TAKEN, owe_war_room, war_room_lane
from workflows.tickets.states import require_open

log = logging.getLogger(__name__)

__all__ = ["DeclaredIncident", "declare_incident", "declare_incident_from_ticket", "declare_incident_on_escalation",
           "declared_text"]

PAGE_REASON = "Incident declared"
#: How long the page's trigger waits for the war room's first attempt if the process
#: stops during it (the declaration releases it as soon as the attempt is over).
PAGE_HOLD = timedelta(seconds=30)


@dataclass(frozen=True)
class DeclaredIncident:
    incident_id: int
    priority: str
    channel_id: str | None  # None: Slack has not created the war room yet
    paged: bool
    created: bool = True  # False: the ticket already had this open incident
    ticket_number: int | None = None
    waiting_for: str | None = None  # why the war room is not there yet (Slack's error)
    private: bool = False


def declared_text(declared: DeclaredIncident) -> str:
    """The declarer's confirmation (ephemeral or DM)."""
    room = f"<#{declared.channel_id}>" if declared.channel_id else "its war room (not created yet)"
    if not declared.created:
        return (f"Ticket #{declared.ticket_number} already has an open incident: #{declared.incident_id} "
                f"in {room}.")
    paged = " On-call has been paged." if declared.paged else ""
    if declared.channel_id is None:
        return (f"Incident #{declared.incident_id} ({declared.priority}) declared.{paged} Slack has not created "
                f"its war room yet ({declared.waiting_for or 'no answer'}); supportbot keeps trying, then invites "
                "you, pins the declaration there and announces it in the incidents channel.")
    kind = "private war room" if declared.private else "war room"
    return (f"Incident #{declared.incident_id} ({declared.priority}) declared: {kind} {room}, "
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
    return DeclaredIncident(incident.id, incident.priority, incident.channel_id, paged=False, created=False,
                            ticket_number=ticket.number)


async def declare_incident(
    *, deps: Deps, team_id: str, declarer_id: str, title: str, priority: str, description: str | None = None,
    commander_id: str | None = None, ticket_id: int | None = None, private: bool = False,
) -> DeclaredIncident:
    """Declare an incident (from `/incident declare`, the modal, or a ticket). ``private``
    (or a ticket of one of ``incidents.private_categories``): a private war room."""
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
    paging = deps.config.priority(priority).page
    invitees: list[str | None] = [declarer_id, commander]
    record = None
    async with deps.sessions.begin() as db:
        await enforce_declaration_limit(db, config=deps.config, team_id=team_id, user_id=declarer_id, now=now)
        invitees.append((await on_duty(db, deps.config, now)).primary)
        ticket = await get_ticket(db, ticket_id, for_update=True) if ticket_id is not None else None
        if ticket_id is not None and ticket is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        found = _existing(ticket, await open_incident_for_ticket(db, ticket.id) if ticket else None)
        if found is not None:  # lost a race with another declaration for this ticket: no channel was made
            return found
        private = private or (ticket is not None and deps.config.is_private_category(ticket.category))
        incident = Incident(
            private=private, team_id=team_id, title=title, description=description, priority=priority,
            status=IncidentStatus.OPEN, commander_id=commander, channel_id=None, channel_name=None,
            announcement_channel_id=deps.config.channels.incidents, ticket_id=ticket_id, declared_by=declarer_id,
            declared_at=now, next_update_due_at=first_due(deps.config, priority, now),
            next_external_update_due_at=first_due(deps.config, priority, now, external=True),
        )
        db.add(incident)
        await db.flush()
        deadlines_changed(db)
        add_incident_event(db, incident, IncidentEventKind.DECLARED, actor_id=declarer_id, at=now, detail={
            "priority": priority, "title": title, "commander": commander, "channel": None,
            "channel_name": None, "ticket_id": ticket_id,
        })
        if ticket is not None:
            invitees += [ticket.reporter_id, ticket.assignee_id]
        if paging:
            record = await record_incident_page(db, incident, deps=deps, now=now, reason=PAGE_REASON)
            await hold_page(db, record.page_id, now + PAGE_HOLD, lanes=record.lanes, owed_at=now)
        await owe_war_room(db, incident, invitees, now=now)
    steps = asyncio.ensure_future(deliver_outbox(deps, lanes=[war_room_lane(incident.id)]))
    stored, create = await _first_answer(deps, incident.id, steps)
    if stored.channel_id is None and create is not None and create.status == OutboxStatus.FAILED:
        await _finish(steps)
        await _withdraw(deps, incident.id, record and (record.lanes, now + PAGE_HOLD))
        raise InvalidState(_refusal(stored.channel_name, create.last_error or "refused"))
    if record is not None:  # on-call is paged as soon as the channel exists, or Slack failed for now
        async with deps.sessions.begin() as db:
            await release_page(db, record.page_id, deps.clock(), lanes=record.lanes, held_until=now + PAGE_HOLD)
        await announce_page(deps=deps, record=record)
    await _finish(steps)  # invites, declaration, pin, announcement: done when the declarer hears back
    return DeclaredIncident(incident.id, priority, stored.channel_id, paged=record is not None, private=private,
                            ticket_number=ticket.number if ticket else None,
                            waiting_for=None if stored.channel_id else await _waiting_for(deps, create))


async def _first_answer(deps: Deps, incident_id: int,
                        steps: asyncio.Future[int]) -> tuple[Incident, OutboxMessage | None]:
    """The incident and its ``create`` step, once that step has had its first answer from
    Slack (or cannot have one now: the relay is paused). Another relay may be making the
    attempt: wait for it, at most one lease."""
    lane = war_room_lane(incident_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LEASE.total_seconds()
    while True:
        async with deps.sessions() as db:  # the step first: once it reads done, the incident reads its channel
            create = next(iter(await lane_rows(db, lane)), None)
            incident = await get_incident(db, incident_id)
        assert incident is not None
        answered = create is None or create.status != OutboxStatus.PENDING or \
            (create.attempts > 0 and create.lease_until is None)
        held = create is not None and create.lease_until is not None
        if incident.channel_id or answered or (steps.done() and not held) or loop.time() > deadline:
            return incident, create
        await asyncio.wait({steps}, timeout=0.02)


async def _finish(steps: asyncio.Future[int]) -> None:
    try:
        await steps
    except Exception:  # the outbox's sweep sends what is left
        log.exception("the war room's remaining steps were not sent now; the outbox sends them later")


async def _waiting_for(deps: Deps, create: OutboxMessage | None) -> str:
    if create is not None and create.last_error:
        return create.last_error
    async with deps.sessions() as db:
        pause = await relay_pause(db)
    return pause.reason if pause is not None else "no answer yet"


def _refusal(name: str | None, error: str) -> str:
    if error == ALL_NAMES_TAKEN:
        return f"Every war-room name up to `{name}` is taken; pick another title."
    return (f"Slack would not create the war-room channel `{name}` ({error}), so nothing was declared. "
            "Ask a Slack admin to let supportbot create channels.")


async def _withdraw(deps: Deps, incident_id: int, held: tuple[tuple[str, ...], datetime] | None) -> None:
    """Undo the declaration; ``held``: its page's outbox lanes and how long its messages are held."""
    async with deps.sessions.begin() as db:
        await delete_lane(db, war_room_lane(incident_id))
        if held is not None:
            await drop_held_page_messages(db, lanes=held[0], held_until=held[1])
        await withdraw_incident(db, incident_id)
        deadlines_changed(db)
    log.warning("incident #%s withdrawn: Slack refused its war room", incident_id)


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
    require_open(ticket, "before declaring an incident")
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
