"""Firing the lifecycle's events inside a workflow's transaction (the table is
``workflows/tickets/states.py``).

    actor = await roles_of(deps=deps, user_id=actor_id)           # before the transaction
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.CLAIM, ticket=ticket)
        ticket.assignee_id = actor_id                              # the event's own changes
        enter(db, ticket, transition, actor_id=actor_id, now=now)  # the state, and its timeline row

``check_event`` asks who may fire it first (a refusal is kept on the timeline, as
``workflows/access/guard.py`` does for every refusal), then whether the ticket's state
allows it (``InvalidState`` with the table's words). ``enter`` sets the state the table
says and writes the row the table names, with the caller's detail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event
from models.tickets import Ticket
from workflows.access.authority import ActorRoles
from workflows.access.guard import enforce_ticket_decision, ticket_context
from workflows.deps import Deps
from workflows.tickets.states import RULES, Event, State, Transition, may_fire, target_of, transition_for

__all__ = ["check_event", "enter"]


async def check_event(db: AsyncSession, *, deps: Deps, actor: ActorRoles | None, event: Event, ticket: Ticket,
                      to_tier: str | None = None) -> Transition:
    """The transition ``event`` makes on ``ticket`` (locked by the caller), when ``actor``
    (None: the bot) may fire it and the state allows it; NotAllowed / InvalidState otherwise."""
    if actor is not None:
        decision = may_fire(event, actor, reporter_id=ticket.reporter_id,
                            context=ticket_context(deps.config, ticket, to_tier=to_tier))
        action = str(RULES[event].operation or event)  # the matrix's name, as every refusal row keeps it
        await enforce_ticket_decision(db, deps=deps, actor_id=actor.user_id, action=action, decision=decision,
                                      ticket=ticket, extra={"to_tier": to_tier})
    else:
        decision = may_fire(event, None, reporter_id=ticket.reporter_id)
        assert decision.allowed, decision.reason  # a wiring fault: the bot fires only its own events
    return transition_for(event, ticket.status, number=ticket.number)


def enter(db: AsyncSession, ticket: Ticket, transition: Transition, *, actor_id: str | None, now: datetime,
          detail: dict[str, Any] | None = None) -> State:
    """Put ``ticket`` in the state ``transition`` leads to and write its timeline row."""
    ticket.status = target_of(transition, ticket)
    add_ticket_event(db, ticket, transition.row, actor_id=actor_id, at=now, detail=detail)
    return ticket.status
