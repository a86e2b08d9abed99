"""*Open a follow-up ticket*, offered in a closed ticket's thread: a new ticket linked to it.

    change = await show_follow_up_form(deps=deps, team_id="T1", ticket_id=7, actor_id="U1",
                                       channel_id="C1", trigger_id=t)

The click opens the new-ticket form (the `/ticket` modal, ``workflows/tickets/messages/form.py``)
prefilled with the closed ticket's category, priority and customer and a summary saying what
it follows ("Follow-up to #7: …"), so the reporter says what is still wrong. The closed
ticket travels in the view's private_metadata (``ModalOrigin.follows_up_id``), not in a field
anyone can edit. Submitting it is submitting the `/ticket` form
(``handlers/views/ticket.py``): the ticket is routed, numbered, timed and announced like any
(``workflows/tickets/intake.py``), and in its transaction :func:`hold_followed_ticket`
checks the closed ticket again (it exists in the workspace, it is closed, the person has
no follow-up of it yet) and :func:`note_follow_up` records the link: the new ticket
remembers the closed one (``follows_up_id``) and its thread opens with a link to it; the
closed one's timeline (``followed_up``) and thread name the follow-up. The closed ticket stays closed; a follow-up of a private
ticket is private. One follow-up per person: a second click is answered with the first
one's number instead of a form (and a second form submitted is refused on its Summary).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.block_text import cap, escape, link
from workflows.deps import Deps
from workflows.errors import InvalidState, NotFound
from workflows.outbox.enqueue import owe_thread_post
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.closing import follow_up_note, follow_up_summary, follows_up_note
from workflows.tickets.messages.form import ModalOrigin, build_new_ticket_modal
from workflows.tickets.states import is_closed

__all__ = ["hold_followed_ticket", "note_follow_up", "show_follow_up_form"]

PRIVATE_FOLLOW_UP_NOTE = (":lock: The ticket this follows up is private, so this one will be private too: only you, "
                          "whoever works on it and the support desk will see its details.")


async def show_follow_up_form(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str, channel_id: str | None,
                              trigger_id: str) -> str | None:
    """Open the prefilled new-ticket form for a follow-up of closed ticket ``ticket_id``;
    or, when ``actor_id`` has opened one already, say which (the answer to give them)."""
    async with deps.sessions.begin() as db:
        closed = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        _require_closed(closed)
        earlier = await _earlier_follow_up(db, closed, actor_id)
    if earlier is not None:
        return _already_text(earlier, closed)
    origin = ModalOrigin(channel_id=channel_id, private=closed.private, follows_up_id=closed.id)
    view = build_new_ticket_modal(
        deps.config, summary=follow_up_summary(closed), origin=origin, source_note=_form_note(closed),
        customer=closed.customer, category=closed.category, priority=closed.priority,
        private_note=PRIVATE_FOLLOW_UP_NOTE)
    await deps.slack.views_open(trigger_id=trigger_id, view=view)  # direct: the trigger_id expires in 3 s
    return None


async def hold_followed_ticket(db: AsyncSession, team_id: str, ticket_id: int, *, reporter_id: str) -> Ticket:
    """The closed ticket a submitted follow-up names, held for the transaction that stores
    the follow-up; InvalidState when it cannot be followed up by ``reporter_id`` (any more)."""
    try:
        closed = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
    except NotFound as gone:  # a form naming a ticket that is not (or no longer) there
        raise InvalidState("The ticket this form follows up no longer exists; open a new ticket with `/ticket`.") \
            from gone
    _require_closed(closed)
    earlier = await _earlier_follow_up(db, closed, reporter_id)
    if earlier is not None:
        raise InvalidState(f"You opened #{earlier.number} as the follow-up of #{closed.number} already.")
    return closed


async def note_follow_up(db: AsyncSession, closed: Ticket, follow_up: Ticket, *, now: datetime) -> None:
    """The closed ticket's timeline and thread name its new follow-up; the follow-up's
    thread (owed after its card) starts with the link back."""
    add_ticket_event(db, closed, TicketEventKind.FOLLOWED_UP, actor_id=follow_up.reporter_id, at=now,
                     detail={"follow_up": follow_up.number, "follow_up_id": follow_up.id})
    await owe_thread_post(db, closed, text=follow_up_note(closed, follow_up, by=follow_up.reporter_id), now=now)
    await owe_thread_post(db, follow_up, text=follows_up_note(closed), now=now)


def _require_closed(ticket: Ticket) -> None:
    if not is_closed(ticket.status):
        raise InvalidState(f"#{ticket.number} is not closed; write in its thread instead of opening a follow-up.")


async def _earlier_follow_up(db: AsyncSession, closed: Ticket, reporter_id: str) -> Ticket | None:
    return (await db.execute(select(Ticket).where(
        Ticket.follows_up_id == closed.id, Ticket.reporter_id == reporter_id).order_by(Ticket.id).limit(1))
    ).scalar_one_or_none()


def _already_text(earlier: Ticket, closed: Ticket) -> str:
    return f"You opened {link(earlier.permalink, f'#{earlier.number}')} as the follow-up of #{closed.number} already."


def _form_note(closed: Ticket) -> str:
    return (f"Follows up {link(closed.permalink, f'#{closed.number}')} ({escape(cap(closed.summary, 100))}), which is "
            f"closed; the new ticket links to it. Say in the description what is still wrong.")
