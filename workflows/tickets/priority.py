"""Changing a ticket's priority (`/ticket priority #N P1`): new targets, re-armed timers.

    change = await change_ticket_priority(deps=deps, team_id="T1", actor_id="U1", number=42, priority="P1")

The due times are computed again as if the ticket had had the new priority all along
(``workflows.sla.retarget.apply_targets``, as a category change does; the computation is
a policy reload's). The SLA plan is then re-armed in the same transaction: the old
priority's pending notifications go, and the new ones that already fell due are sent at
once (``schedule_ticket_sla(rearm_at=…)``).
An unknown priority is an ``InvalidRequest`` naming the known ones; a resolved ticket an
``InvalidState``; the same priority changes nothing and says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.access.authority import Operation
from workflows.block_text import cap, escape, user
from workflows.tickets.messages.card import due_times_sentence, priority_label
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_thread_post
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.sla.retarget import apply_targets
from workflows.tickets.lifecycle import TicketChange
from workflows.tickets.locks import lock_ticket
from workflows.tickets.states import require_open

__all__ = ["apply_priority", "change_ticket_priority"]


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
        require_open(ticket, "first to change its priority")
        if ticket.priority == wanted:
            return TicketChange(ticket, changed=False,
                                notice=f"#{ticket.number} is already {escape(priority_label(config, wanted))}.")
        await apply_priority(db, ticket, wanted, config=config, actor_id=actor_id, now=deps.clock())
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True)


async def apply_priority(db: AsyncSession, ticket: Ticket, wanted: str, *, config: AppConfig, actor_id: str,
                         now: datetime) -> None:
    """Give ``ticket`` (locked by the caller, open) the priority ``wanted``: due times
    computed again, timers re-armed, the timeline row, the card and the thread note."""
    previous = ticket.priority
    await apply_targets(db, ticket, config=config, now=now, priority=wanted)
    add_ticket_event(db, ticket, TicketEventKind.PRIORITY_CHANGED, actor_id=actor_id, at=now, detail={
        "from": previous, "to": wanted, "first_response_due_at": ticket.first_response_due_at.isoformat(),
        "resolution_due_at": ticket.resolution_due_at.isoformat(),
        "next_response_due_at": ticket.next_response_due_at.isoformat() if ticket.next_response_due_at else None,
    })
    await owe_card_update(db, ticket, now=now)
    await owe_thread_post(db, ticket, text=_note(ticket, previous, actor_id, config), now=now)


def _note(ticket: Ticket, previous: str, actor_id: str, config: AppConfig) -> str:
    text = (f"{user(actor_id)} changed the priority of #{ticket.number} from "
            f"*{escape(priority_label(config, previous))}* to *{escape(priority_label(config, ticket.priority))}*.")
    return text + due_times_sentence(ticket)
