"""Changing a ticket's priority (`/ticket priority #N P1`): new targets, re-armed timers.

    change = await change_ticket_priority(deps=deps, team_id="T1", actor_id="U1", number=42, priority="P1")

The due times are computed again as if the ticket had had the new priority all along
(:func:`retarget_due_times`, pure): first response from the creation time; resolution
from the creation time (or the last reopen), every pause on the timeline re-applied;
a running next-response clock from the reporter's reply it counts from. The SLA plan is
then re-armed in the same transaction: the old priority's pending notifications go, and
the new ones that already fell due are sent at once (``schedule_ticket_sla(rearm_at=…)``).
An unknown priority is an ``InvalidRequest`` naming the known ones; a resolved ticket an
``InvalidState``; the same priority changes nothing and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from workflows.policy.schema import AppConfig
from models.ticket_queries import add_ticket_event, ticket_events
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus
from workflows.access.authority import Operation
from workflows.block_text import cap, escape, slack_date, user
from workflows.tickets.messages.card import priority_label
from workflows.policy.calendars import calendar_for
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_thread_post
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import add_target, clock_start, due_times, resume_due_at
from workflows.tickets.lifecycle import TicketChange
from workflows.tickets.locks import lock_ticket
from workflows.policy.working_time import WorkingCalendar

__all__ = ["Retargeted", "change_ticket_priority", "retarget_due_times"]


@dataclass(frozen=True)
class Retargeted:
    first_response: datetime
    resolution: datetime
    next_response: datetime | None


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def retarget_due_times(ticket: Ticket, priority: str, *, config: AppConfig, calendar: WorkingCalendar,
                       history: Sequence[TicketEvent]) -> Retargeted:
    """The ticket's due times had it always had ``priority`` (``history``: its timeline)."""
    new, old = config.priority(priority), config.priorities.get(ticket.priority)
    due = due_times(ticket.created_at, config=config, priority=priority, category=ticket.category, calendar=calendar)
    reopens = [e.at for e in history if e.kind == TicketEventKind.REOPENED]
    start = max([ticket.created_at, *reopens])
    resolution = due.resolution
    if reopens:  # a reopened ticket's resolution clock counts from the reopen
        resolution = due_times(start, config=config, priority=priority, category=ticket.category,
                               calendar=calendar).resolution
    for event in history:
        since = _instant((event.detail or {}).get("waiting_since"))
        if event.kind == TicketEventKind.RESUMED and since is not None and since >= start:
            resolution = resume_due_at(resolution, since, event.at, business_hours=new.business_hours,
                                       calendar=calendar)
    next_response = None
    if ticket.next_response_due_at is not None and new.next_response is not None:
        replied = ticket.next_response_due_at
        if old is not None and old.next_response is not None:
            replied = clock_start(replied, old.next_response, business_hours=old.business_hours, calendar=calendar)
        next_response = add_target(replied, new.next_response, business_hours=new.business_hours,
                                   calendar=calendar)
    return Retargeted(first_response=due.first_response, resolution=resolution, next_response=next_response)


def _known(config: AppConfig) -> str:
    return ", ".join(f"`{pid}` ({escape(p.name)})" for pid, p in config.priorities.items())


async def change_ticket_priority(*, deps: Deps, team_id: str, actor_id: str, number: int,
                                 priority: str) -> TicketChange:
    """Give ticket ``number`` the priority ``priority`` (P0..P3, any case)."""
    config = deps.config
    wanted = priority.strip().upper()
    if wanted not in config.priorities:
        raise InvalidRequest(f"`{escape(cap(priority.strip(), 20))}` is not a priority. Priorities: {_known(config)}.")
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, number=number)
        await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.CHANGE_PRIORITY, ticket=ticket)
        if ticket.status == TicketStatus.RESOLVED:
            raise InvalidState(f"#{ticket.number} is resolved; reopen it first to change its priority.")
        if ticket.priority == wanted:
            return TicketChange(ticket, changed=False,
                                notice=f"#{ticket.number} is already {escape(priority_label(config, wanted))}.")
        now, previous = deps.clock(), ticket.priority
        due = retarget_due_times(ticket, wanted, config=config, calendar=calendar_for(config),
                                 history=await ticket_events(db, ticket.id))
        ticket.priority = wanted
        ticket.first_response_due_at, ticket.resolution_due_at = due.first_response, due.resolution
        ticket.next_response_due_at = due.next_response
        add_ticket_event(db, ticket, TicketEventKind.PRIORITY_CHANGED, actor_id=actor_id, at=now, detail={
            "from": previous, "to": wanted, "first_response_due_at": due.first_response.isoformat(),
            "resolution_due_at": due.resolution.isoformat(),
            "next_response_due_at": due.next_response.isoformat() if due.next_response else None,
        })
        await schedule_ticket_sla(db, ticket, config, rearm_at=now)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=_note(ticket, previous, actor_id, config), now=now)
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True)


def _note(ticket: Ticket, previous: str, actor_id: str, config: AppConfig) -> str:
    dues = []
    if ticket.first_response_at is None and ticket.first_response_due_at:
        dues.append(f"first response due {slack_date(ticket.first_response_due_at)}")
    if ticket.next_response_due_at:
        dues.append(f"next response due {slack_date(ticket.next_response_due_at)}")
    if ticket.waiting_since:
        dues.append("resolution paused while waiting on the customer")
    elif ticket.resolution_due_at:
        dues.append(f"resolution due {slack_date(ticket.resolution_due_at)}")
    text = (f"{user(actor_id)} changed the priority of #{ticket.number} from "
            f"*{escape(priority_label(config, previous))}* to *{escape(priority_label(config, ticket.priority))}*.")
    return text + (f" Now {', '.join(dues)}." if dues else "")
