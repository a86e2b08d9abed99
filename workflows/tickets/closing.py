"""Closing resolved tickets: the reporter's *Confirm fixed* / *Still broken* (the buttons of
the resolution DM, ``messages.resolved``), and ``tickets.close_after``.

    change = await confirm_fixed(deps=deps, team_id="T1", ticket_id=7, actor_id="U1", dm=("D1", "1.2"))
    closed = await close_resolved_tickets(deps=deps)          # the timer's sweep

*Confirm fixed* is the lifecycle's ``confirm`` event (only the reporter; resolved ->
closed); *Still broken* its ``reopen`` (resolved -> back to work, a fresh resolution
target). Each turns the DM into what it did.

A resolved ticket whose reporter has not written since (a reply of theirs reopens it,
``workflows/tickets/thread.py``) closes ``close_after`` after its resolution: the ``close``
event, fired by the bot. The ticket row is the timer: the sweep holds each due row
(``workflows/tickets/locks.py``) and closes it only if it is still resolved, since that
same resolution, so a second replica, a restart or a sweep that overlaps the last one
closes it once and only once (``bot/deadline_timer.py`` wakes the process when the
oldest resolution falls due).

A ticket whose close fell due more than :data:`QUIET_AFTER` ago closes quietly: its
timeline row, but no card update and no note in its thread. Those are the tickets resolved
before ``close_after`` was set (a desk's whole history, the day it upgrades or turns it
on) or while no bot was running; a note in a months-old thread would ping its followers,
and hundreds of thousands of card edits would hold the channels' posting pace for days.
They close in one transaction per sweep (one by one if that fails).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from models.ticket_queries import get_ticket, oldest_resolution, resolved_before
from models.tickets import Ticket
from sqlalchemy.ext.asyncio import AsyncSession
from workflows.access.roles import roles_of
from workflows.block_text import mrkdwn
from workflows.deps import Deps
from workflows.errors import InvalidState
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_thread_post
from workflows.tickets.lifecycle import TicketChange, reopen_in_place, update_clicked_message
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.closing import (
    auto_closed_note,
    confirmed_dm_text,
    confirmed_note,
    still_broken_dm_text,
    still_broken_note,
)
from workflows.tickets.states import Event, transition_for
from workflows.tickets.transitions import check_event, enter

log = logging.getLogger(__name__)

__all__ = ["close_resolved_tickets", "confirm_fixed", "next_close_due", "still_broken"]

MAX_PER_SWEEP = 200
#: A close this late is made quietly (see the module docstring).
QUIET_AFTER = timedelta(days=1)


async def confirm_fixed(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str,
                        dm: tuple[str | None, str | None] = (None, None)) -> TicketChange:
    """The reporter's *Confirm fixed*: the ticket closes now."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.CONFIRM, ticket=ticket)
        now = deps.clock()
        ticket.closed_at = now
        enter(db, ticket, transition, actor_id=actor_id, now=now)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=confirmed_note(ticket), now=now)
    await deliver_outbox(deps)
    await _answer_in_dm(deps, dm, confirmed_dm_text(ticket))
    return TicketChange(ticket, changed=True)


async def still_broken(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str,
                       dm: tuple[str | None, str | None] = (None, None)) -> TicketChange:
    """*Still broken*: the ticket is reopened (by its reporter, or anyone who may reopen)."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.REOPEN, ticket=ticket)
        now = deps.clock()
        await reopen_in_place(db, ticket, transition, config=deps.config, actor_id=actor_id, now=now)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=still_broken_note(ticket), now=now)
    await deliver_outbox(deps)
    await _answer_in_dm(deps, dm, still_broken_dm_text(ticket))
    return TicketChange(ticket, changed=True)


async def _answer_in_dm(deps: Deps, dm: tuple[str | None, str | None], text: str) -> None:
    await update_clicked_message(deps.slack, dm[0], dm[1], text=text,
                                 blocks=[{"type": "section", "text": mrkdwn(text)}])


async def close_resolved_tickets(*, deps: Deps) -> int:
    """Close every resolved ticket whose ``tickets.close_after`` has passed; how many."""
    after = deps.config.tickets.close_after
    if after is None:
        return 0
    cutoff = deps.clock() - after
    try:
        async with deps.sessions() as db:
            due = await resolved_before(db, cutoff, limit=MAX_PER_SWEEP)
    except Exception:  # a timer's task: the next sweep looks again
        log.exception("could not look up the resolved tickets due for closing")
        return 0
    late = {ticket_id for ticket_id, resolved_at in due if resolved_at <= cutoff - QUIET_AFTER}
    together = await _close_quietly(deps, [ticket_id for ticket_id, _ in due if ticket_id in late])
    closed = quiet = together or 0
    for ticket_id in [ticket_id for ticket_id, _ in due if together is None or ticket_id not in late]:
        try:
            async with deps.sessions.begin() as db:
                one = await _close_one(db, ticket_id, deps=deps, quiet=ticket_id in late)
        except Exception:  # one bad row must not stop the others; the next sweep meets it again
            log.exception("could not close resolved ticket %s; the next sweep tries again", ticket_id)
            continue
        closed += one
        quiet += one if ticket_id in late else 0
    if quiet:
        log.info("closed %d resolved ticket(s) quietly, without a card update or a thread note: their "
                 "tickets.close_after had passed more than %s before (resolved before it was set, or while "
                 "no bot was running)", quiet, QUIET_AFTER)
    if closed > quiet:
        await deliver_outbox(deps)
    return closed


async def _close_quietly(deps: Deps, ticket_ids: list[int]) -> int | None:
    """Close the long-overdue ``ticket_ids`` in one transaction: how many (0: none, or
    closed meanwhile by another replica); None when it failed (the caller then closes
    them one by one)."""
    if not ticket_ids:
        return 0
    try:
        async with deps.sessions.begin() as db:
            return sum([await _close_one(db, ticket_id, deps=deps, quiet=True) for ticket_id in ticket_ids])
    except Exception:  # noqa: BLE001 - one by one instead, where a bad row stops only itself
        log.warning("closing %d long-overdue tickets together failed; closing them one by one", len(ticket_ids),
                    exc_info=True)
        return None


async def _close_one(db: AsyncSession, ticket_id: int, *, deps: Deps, quiet: bool = False) -> int:
    after = deps.config.tickets.close_after
    assert after is not None
    ticket: Ticket | None = await get_ticket(db, ticket_id, for_update=True)
    now = deps.clock()
    if ticket is None or ticket.resolved_at is None or ticket.resolved_at > now - after:
        return 0  # reopened (and maybe resolved again) since the look-up
    try:
        transition = transition_for(Event.CLOSE, ticket.status, number=ticket.number)
    except InvalidState:  # closed by another replica, confirmed, or reopened meanwhile
        return 0
    ticket.closed_at = now
    detail = {"after_seconds": int(after.total_seconds()), "resolved_at": ticket.resolved_at.isoformat()}
    enter(db, ticket, transition, actor_id=None, now=now, detail={**detail, "quiet": True} if quiet else detail)
    if not quiet:
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=auto_closed_note(ticket, after), now=now)
    return 1


async def next_close_due(db: AsyncSession, *, deps: Deps) -> datetime | None:
    """When the next resolved ticket falls due for closing (None: none, or no close_after)."""
    after = deps.config.tickets.close_after
    if after is None:
        return None
    oldest = await oldest_resolution(db)
    return oldest + after if oldest is not None else None
