"""Keeping the customer informed (practice: an update every 24–48 hours): with
``tickets.update_every``, a ticket whose thread has heard nobody but its reporter for that
long gets a reminder there, once per quiet period.

    reminded = await remind_quiet_tickets(deps=deps)      # the timer's sweep

A quiet period starts when the ticket is opened and each time someone other than the
reporter writes in its thread (``desk_replied_at``, set by ``workflows/tickets/thread.py``).
It applies while the customer waits on the desk (new, triaged, in progress: the
lifecycle's ``desk_owes_update``), not while the desk waits on the customer nor once
resolved. The reminder mentions the assignee in the thread; a ticket nobody holds is
also named in its tier's channel (the triage channel before it has one). Each reminder is
claimed on the ticket's row (``update_reminded_for`` takes the quiet period's start) in
the transaction that owes it, under the row's lock, so replicas and restarts send it once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event, get_ticket, oldest_quiet, quiet_since_before
from models.tickets import TicketEventKind
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox, owe_post, owe_thread_post
from workflows.tickets.messages.closing import quiet_thread_text, quiet_ticket_channel_text
from workflows.tickets.states import State, desk_owes_update

log = logging.getLogger(__name__)

__all__ = ["next_update_due", "remind_quiet_tickets"]

MAX_PER_SWEEP = 200
_OWED = [state for state in State if desk_owes_update(state)]


async def remind_quiet_tickets(*, deps: Deps) -> int:
    """Remind every quiet ticket that is due; how many were reminded."""
    every = deps.config.tickets.update_every
    if every is None:
        return 0
    try:
        async with deps.sessions() as db:
            due = await quiet_since_before(db, deps.clock() - every, _OWED, limit=MAX_PER_SWEEP)
    except Exception:  # a timer's task: the next sweep looks again
        log.exception("could not look up the quiet tickets")
        return 0
    reminded = 0
    for ticket_id in due:
        try:
            async with deps.sessions.begin() as db:
                reminded += await _remind_one(db, ticket_id, deps=deps)
        except Exception:  # one bad row must not stop the others
            log.exception("could not remind quiet ticket %s; the next sweep tries again", ticket_id)
    if reminded:
        await deliver_outbox(deps)
    return reminded


async def _remind_one(db: AsyncSession, ticket_id: int, *, deps: Deps) -> int:
    every = deps.config.tickets.update_every
    assert every is not None
    ticket = await get_ticket(db, ticket_id, for_update=True)
    now = deps.clock()
    if ticket is None or not desk_owes_update(ticket.status) or ticket.desk_replied_at is None \
            or ticket.desk_replied_at > now - every or ticket.update_reminded_for == ticket.desk_replied_at:
        return 0  # answered, reminded, or no longer owed since the look-up
    ticket.update_reminded_for = ticket.desk_replied_at
    add_ticket_event(db, ticket, TicketEventKind.UPDATE_REMINDER, actor_id=None, at=now, detail={
        "quiet_since": ticket.desk_replied_at.isoformat(), "every_seconds": int(every.total_seconds()),
        "assignee": ticket.assignee_id})
    await owe_thread_post(db, ticket, text=quiet_thread_text(ticket, every), now=now)
    if ticket.assignee_id is None:
        channel = deps.config.tier(ticket.tier).channel if ticket.tier else deps.config.channels.triage
        await owe_post(db, channel=channel, text=quiet_ticket_channel_text(ticket, every), now=now)
    return 1


async def next_update_due(db: AsyncSession, *, deps: Deps) -> datetime | None:
    """When the next quiet-thread reminder falls due (None: none, or no update_every)."""
    every = deps.config.tickets.update_every
    if every is None:
        return None
    oldest = await oldest_quiet(db, _OWED)
    return oldest + every if oldest is not None else None
