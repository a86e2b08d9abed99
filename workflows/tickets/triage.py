"""Triage: priority, category and assignee in one step (the card's *Triage* button in the
triage channel, `/ticket triage #N`).

    await show_triage_modal(deps=deps, team_id="T1", actor_id="U1", trigger_id=t, number=42)
    ticket = await triage_ticket(deps=deps, team_id="T1", actor_id="U1", form=form)

Submitting is the lifecycle's ``triage`` event (``workflows/tickets/states.py``): the
ticket becomes ``triaged``, or ``in_progress`` with an assignee, with one ``triaged``
timeline row saying what was set. A new priority re-targets the SLA clocks as
`/ticket priority` does; a new category routes the ticket to that category's tier
(``workflows/tickets/routing.py``: a new card there); a new assignee is told by DM.
Without an assignee, a tier that assigns automatically gives the ticket out.
"""

from __future__ import annotations

from models.tickets import Ticket
from workflows.access.roles import roles_of
from workflows.block_text import escape, user
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.tickets.assignment import auto_assign
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.assignment import assigned_dm_text
from workflows.tickets.messages.card import priority_label
from workflows.tickets.messages.triage_form import TriageForm, build_triage_modal
from workflows.tickets.priority import apply_priority
from workflows.tickets.routing import category_named, change_category_in_place
from workflows.tickets.states import Event
from workflows.tickets.transitions import check_event, enter

__all__ = ["show_triage_modal", "triage_ticket"]


async def show_triage_modal(*, deps: Deps, team_id: str, actor_id: str, trigger_id: str,
                            ticket_id: int | None = None, number: int | None = None) -> None:
    """Open the triage form for a ticket that may be triaged, by someone who may."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id, number=number)
        await check_event(db, deps=deps, actor=actor, event=Event.TRIAGE, ticket=ticket)
    # direct: the trigger_id expires 3 s after the click
    await deps.slack.views_open(trigger_id=trigger_id, view=build_triage_modal(ticket, deps.config))


async def triage_ticket(*, deps: Deps, team_id: str, actor_id: str, form: TriageForm) -> Ticket:
    """Apply a validated triage form (``validate_triage_form``)."""
    assert form.ticket_id is not None and form.priority and form.category, "validated before"
    category = category_named(deps.config, form.category)
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=form.ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.TRIAGE, ticket=ticket)
        now, config = deps.clock(), deps.config
        before = {"priority": ticket.priority, "category": ticket.category, "assignee": ticket.assignee_id}
        if form.priority != ticket.priority:
            await apply_priority(db, ticket, form.priority, config=config, actor_id=actor_id, now=now)
        await change_category_in_place(db, ticket, category, config=config, now=now, actor_id=actor_id,
                                       assign=form.assignee_id is None)
        previous = ticket.assignee_id
        if form.assignee_id is not None:
            ticket.assignee_id = form.assignee_id
        ticket.triaged_at = now
        enter(db, ticket, transition, actor_id=actor_id, now=now, detail={
            "priority": ticket.priority, "category": ticket.category, "assignee": ticket.assignee_id,
            "before": before,
        })
        if form.assignee_id is None and previous is None:
            await auto_assign(db, ticket, config=config, now=now)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, now=now, text=_note(ticket, actor_id, config))
        if form.assignee_id not in (None, previous, actor_id):
            await owe_post(db, channel=form.assignee_id, now=now, text=assigned_dm_text(ticket, by=actor_id))
    await deliver_outbox(deps)
    return ticket


def _note(ticket: Ticket, actor_id: str, config: AppConfig) -> str:
    holder = f", assigned to {user(ticket.assignee_id)}" if ticket.assignee_id else ", unassigned"
    return (f"{user(actor_id)} triaged #{ticket.number}: *{escape(priority_label(config, ticket.priority))}*, "
            f"*{escape(ticket.category)}*{holder}.")

