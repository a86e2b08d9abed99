"""Merging duplicates: `/ticket merge #A #B` resolves A as a duplicate of B.

    duplicate, target = await merge_tickets(deps=deps, team_id="T1", actor_id="U1", number=41, into=42)

The lifecycle's ``merge`` event on A (``workflows/tickets/states.py``): A is resolved
("Duplicate of #B", a ``merged`` row) and remembers B (``merged_into_id``); B's timeline
gets a ``duplicate_merged`` row. Both threads say so, each linking the other. A's
reporter becomes a watcher of B (``ticket_watchers``): they are told by DM now, and when
B is resolved they get its resolution and the survey of their own ticket
(``workflows/tickets/closing.py``). B must still be open. Both rows are held, the lower
id first, so two merges of the same pair cannot deadlock.
"""

from __future__ import annotations

from models.ticket_queries import add_ticket_event, add_watcher
from models.tickets import Ticket, TicketEventKind
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.sla.pauses import paused_seconds
from workflows.sla.schedule import schedule_ticket_sla
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.routing import duplicate_note, merged_dm_text, merged_note
from workflows.tickets.states import Event, require_open
from workflows.tickets.transitions import check_event, enter

__all__ = ["merge_tickets"]


async def merge_tickets(*, deps: Deps, team_id: str, actor_id: str, number: int, into: int) -> tuple[Ticket, Ticket]:
    """Resolve ticket ``number`` as a duplicate of ticket ``into``."""
    if number == into:
        raise InvalidRequest("A ticket cannot be merged into itself.")
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        held: dict[int, Ticket] = {}
        for n in sorted((number, into)):  # by number is by id within a team: the lower first
            held[n] = await lock_ticket(db, team_id=team_id, number=n)
        duplicate, target = held[number], held[into]
        transition = await check_event(db, deps=deps, actor=actor, event=Event.MERGE, ticket=duplicate)
        require_open(target, f"(`/ticket reopen #{target.number}`) before merging into it")
        now = deps.clock()
        _resolve_as_duplicate(duplicate, target, actor_id=actor_id, now=now)
        enter(db, duplicate, transition, actor_id=actor_id, now=now,
              detail={"into": target.number, "into_id": target.id, "resolution": duplicate.resolution})
        add_ticket_event(db, target, TicketEventKind.DUPLICATE_MERGED, actor_id=actor_id, at=now,
                         detail={"duplicate": duplicate.number, "duplicate_id": duplicate.id,
                                 "reporter": duplicate.reporter_id})
        await schedule_ticket_sla(db, duplicate, deps.config)  # resolved: every clock stops
        await _owe_messages(db, duplicate, target, actor_id=actor_id, now=now)
    await deliver_outbox(deps)
    return duplicate, target


def _resolve_as_duplicate(duplicate: Ticket, target: Ticket, *, actor_id: str, now) -> None:
    duplicate.resolved_at, duplicate.resolved_by = now, actor_id
    duplicate.resolution = f"Duplicate of #{target.number}: {target.summary}"[:1000]
    duplicate.merged_into_id = target.id
    if duplicate.waiting_since is not None:  # the pause ends with the ticket
        duplicate.paused_seconds = (duplicate.paused_seconds or 0) + paused_seconds(duplicate.waiting_since, now)
        duplicate.waiting_since = None
    duplicate.next_response_due_at = None


async def _owe_messages(db, duplicate: Ticket, target: Ticket, *, actor_id: str, now) -> None:
    await owe_card_update(db, duplicate, now=now)
    await owe_thread_post(db, duplicate, now=now, text=merged_note(duplicate, target, actor_id=actor_id))
    await owe_thread_post(db, target, now=now, text=duplicate_note(duplicate, target, actor_id=actor_id))
    if duplicate.reporter_id != target.reporter_id:
        await add_watcher(db, target.id, duplicate.reporter_id, via_ticket_id=duplicate.id, at=now)
        await owe_post(db, channel=duplicate.reporter_id, now=now, text=merged_dm_text(duplicate, target))
