"""Merging duplicates: `/ticket merge #A #B`, or the card's *Merge into…* form, resolves A as
a duplicate of B.

    duplicate, target = await merge_tickets(deps=deps, team_id="T1", actor_id="U1", number=41, into=42)
    await show_merge_modal(deps=deps, team_id="T1", actor_id="U1", ticket_id=7, trigger_id=t)
    await store_merge_form(deps=deps, team_id="T1", actor_id="U1", form=form)   # before the ack
    await deliver_outbox(deps)                                                  # after it

The lifecycle's ``merge`` event on A (``workflows/tickets/states.py``): A is resolved
("Duplicate of #B", a ``merged`` row) and remembers B (``merged_into_id``); B's timeline
gets a ``duplicate_merged`` row. Both threads say so, each linking the other. A's
reporter becomes a watcher of B (``ticket_watchers``): they are told by DM now, and when
B is resolved they get its resolution and the survey of their own ticket
(``workflows/tickets/notices.py``). B may be open, or resolved already: then A's reporter
is sent B's resolution (and A's survey) at once, as B's watchers were when it resolved,
and hears again if B is reopened and resolved once more. A closed B is refused
(``require_merge_target``): a follow-up ticket is the way on from a closed one. Both
rows are held, the lower id first, so two merges of the same pair cannot deadlock.

The form's merge is stored before the modal is acknowledged, so every refusal (unknown
ticket, the same one, a closed one, A resolved meanwhile, not allowed) comes back as the
form's field error; its messages go out after the acknowledgement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event, add_watcher, get_ticket
from models.tickets import Ticket, TicketEventKind
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.sla.pauses import paused_seconds
from workflows.sla.schedule import schedule_ticket_sla
from workflows.tickets.locks import TicketGone, lock_ticket
from workflows.tickets.messages.merge_form import MergeForm, build_merge_modal
from workflows.tickets.messages.routing import duplicate_note, merged_dm_text, merged_note
from workflows.tickets.notices import owe_watcher_resolution
from workflows.tickets.states import Event, is_done, require_merge_target
from workflows.tickets.transitions import check_event, enter

__all__ = ["merge_tickets", "show_merge_modal", "store_merge", "store_merge_form"]


async def merge_tickets(*, deps: Deps, team_id: str, actor_id: str, number: int, into: int) -> tuple[Ticket, Ticket]:
    """Resolve ticket ``number`` as a duplicate of ticket ``into``, and send what that says."""
    merged = await store_merge(deps=deps, team_id=team_id, actor_id=actor_id, number=number, into=into)
    await deliver_outbox(deps)
    return merged


async def show_merge_modal(*, deps: Deps, team_id: str, actor_id: str, ticket_id: int, trigger_id: str) -> None:
    """The card's *Merge into…*: the form asking which ticket this one duplicates, for
    someone who may merge it while it is open."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        await check_event(db, deps=deps, actor=actor, event=Event.MERGE, ticket=ticket)
    # direct: the trigger_id expires 3 s after the click
    await deps.slack.views_open(trigger_id=trigger_id, view=build_merge_modal(ticket))


async def store_merge_form(*, deps: Deps, team_id: str, actor_id: str, form: MergeForm) -> tuple[Ticket, Ticket]:
    """The merge form's merge (validated by ``validate_merge_form``), stored without
    calling Slack; the domain errors of :func:`store_merge` when it cannot happen."""
    assert form.ticket_id is not None and form.into is not None, "validated before"
    async with deps.sessions() as db:
        duplicate = await get_ticket(db, form.ticket_id)
    if duplicate is None or duplicate.team_id != team_id:
        raise TicketGone()
    return await store_merge(deps=deps, team_id=team_id, actor_id=actor_id, number=duplicate.number,
                             into=form.into)


async def store_merge(*, deps: Deps, team_id: str, actor_id: str, number: int, into: int) -> tuple[Ticket, Ticket]:
    """Resolve ticket ``number`` as a duplicate of ticket ``into`` and owe its messages (not sent)."""
    if number == into:
        raise InvalidRequest("A ticket cannot be merged into itself.")
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        held: dict[int, Ticket] = {}
        for n in sorted((number, into)):  # by number is by id within a team: the lower first
            held[n] = await lock_ticket(db, team_id=team_id, number=n)
        duplicate, target = held[number], held[into]
        transition = await check_event(db, deps=deps, actor=actor, event=Event.MERGE, ticket=duplicate)
        require_merge_target(target, duplicate.number)
        now = deps.clock()
        _resolve_as_duplicate(duplicate, target, actor_id=actor_id, now=now)
        enter(db, duplicate, transition, actor_id=actor_id, now=now,
              detail={"into": target.number, "into_id": target.id, "resolution": duplicate.resolution})
        add_ticket_event(db, target, TicketEventKind.DUPLICATE_MERGED, actor_id=actor_id, at=now,
                         detail={"duplicate": duplicate.number, "duplicate_id": duplicate.id,
                                 "reporter": duplicate.reporter_id, "into_resolved": is_done(target.status)})
        await schedule_ticket_sla(db, duplicate, deps.config)  # resolved: every clock stops
        await _owe_messages(db, duplicate, target, deps=deps, actor_id=actor_id, now=now)
    return duplicate, target


def _resolve_as_duplicate(duplicate: Ticket, target: Ticket, *, actor_id: str, now: datetime) -> None:
    duplicate.resolved_at, duplicate.resolved_by = now, actor_id
    duplicate.resolution = f"Duplicate of #{target.number}: {target.summary}"[:1000]
    duplicate.merged_into_id = target.id
    if duplicate.waiting_since is not None:  # the pause ends with the ticket
        duplicate.paused_seconds = (duplicate.paused_seconds or 0) + paused_seconds(duplicate.waiting_since, now)
        duplicate.waiting_since = None
    duplicate.next_response_due_at = None


async def _owe_messages(db: AsyncSession, duplicate: Ticket, target: Ticket, *, deps: Deps, actor_id: str,
                        now: datetime) -> None:
    resolved = is_done(target.status)  # not closed (require_merge_target): resolved already
    await owe_card_update(db, duplicate, now=now)
    await owe_thread_post(db, duplicate, now=now,
                          text=merged_note(duplicate, target, actor_id=actor_id, target_resolved=resolved))
    await owe_thread_post(db, target, now=now,
                          text=duplicate_note(duplicate, target, actor_id=actor_id, target_resolved=resolved))
    if duplicate.reporter_id == target.reporter_id:
        return
    await add_watcher(db, target.id, duplicate.reporter_id, via_ticket_id=duplicate.id, at=now)
    await owe_post(db, channel=duplicate.reporter_id, now=now,
                   text=merged_dm_text(duplicate, target, target_resolved=resolved))
    if resolved:  # B's watchers heard when it resolved; this one joins late, and hears now
        await owe_watcher_resolution(db, target, duplicate.reporter_id, duplicate=duplicate, config=deps.config,
                                     now=now)
