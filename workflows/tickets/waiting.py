"""Waiting on the customer: the card's "Waiting on customer" / "Resume" buttons and
`/ticket wait #N`, `/ticket resume #N`.

    change = await wait_on_customer(deps=deps, team_id="T1", actor_id="U1", ticket_id=7)
    change = await resume_ticket(deps=deps, team_id="T1", actor_id="U1", number=42)

Waiting pauses the resolution clock (``workflows.sla.pauses``) until the reporter
replies in the thread (``workflows.tickets.thread``) or someone resumes it here. A
resolved ticket cannot wait (``InvalidState``); a second "wait" (or a "resume" of a
ticket that is not waiting) changes nothing and says so (``TicketChange.notice``).
After commit the card is re-rendered (Status says since when it waits, the button turns
into "Resume") and the thread gets a note.
"""

from __future__ import annotations

from datetime import timedelta

from workflows.policy.durations import format_duration
from workflows.block_text import slack_date, user
from workflows.deps import Deps
from workflows.errors import InvalidState
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_thread_post
from workflows.access.roles import roles_of
from workflows.sla.pauses import (
    Resumed,
    pause_resolution_clock,
    resume_resolution_clock,
)
from workflows.tickets.lifecycle import TicketChange
from workflows.tickets.locks import lock_ticket
from workflows.tickets.states import Event, allows
from workflows.tickets.transitions import check_event, enter

__all__ = ["resume_note", "resume_ticket", "wait_on_customer"]


async def wait_on_customer(*, deps: Deps, team_id: str, actor_id: str, ticket_id: int | None = None,
                           number: int | None = None) -> TicketChange:
    """Pause the ticket's resolution clock until the reporter replies."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id, number=number)
        try:
            transition = await check_event(db, deps=deps, actor=actor, event=Event.WAIT, ticket=ticket)
        except InvalidState:
            if not allows(Event.RESUME, ticket.status):  # not waiting: a real refusal
                raise
            return TicketChange(ticket, changed=False, notice=(
                f"#{ticket.number} is already waiting on the customer "
                f"(since {slack_date(ticket.waiting_since)})."))
        now = deps.clock()
        detail = await pause_resolution_clock(db, ticket, config=deps.config, now=now)
        enter(db, ticket, transition, actor_id=actor_id, now=now, detail=detail)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, now=now, text=(
            f"{user(actor_id)} is waiting on the customer: the resolution clock of #{ticket.number} is paused "
            f"until {user(ticket.reporter_id)} replies in this thread."))
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True)


async def resume_ticket(*, deps: Deps, team_id: str, actor_id: str, ticket_id: int | None = None,
                        number: int | None = None) -> TicketChange:
    """Stop waiting on the customer by hand: the resolution clock runs again."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id, number=number)
        try:
            transition = await check_event(db, deps=deps, actor=actor, event=Event.RESUME, ticket=ticket)
        except InvalidState as refused:  # nothing to resume: said, not an error
            return TicketChange(ticket, changed=False, notice=refused.message)
        now = deps.clock()
        resumed = await resume_resolution_clock(db, ticket, config=deps.config, now=now)
        enter(db, ticket, transition, actor_id=actor_id, now=now, detail=resumed.detail(by_reply=False))
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, now=now,
                              text=resume_note(resumed, who=f"{user(actor_id)} resumed #{ticket.number}"))
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True)


def resume_note(resumed: Resumed, *, who: str) -> str:
    """The thread note when the clock runs again: who, how long it was paused, new due time."""
    paused = format_duration(timedelta(minutes=round(resumed.seconds / 60))) if resumed.seconds >= 60 else "under a minute"
    due = f" Resolution is now due {slack_date(resumed.due_after)}." if resumed.due_after else ""
    return f"{who}: the resolution clock runs again after {paused} waiting on the customer.{due}"
