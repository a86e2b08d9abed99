"""*Open a follow-up ticket*, offered in a closed ticket's thread: a new ticket linked to it.

    ticket = await open_follow_up(deps=deps, team_id="T1", ticket_id=7, actor_id="U1", channel_id="C1")

The follow-up is opened by whoever clicked, with the closed ticket's category and priority
and a summary saying what it follows ("Follow-up to #7: …"); it is routed, numbered,
timed and announced like any ticket (``workflows/tickets/intake.py``) and remembers the
closed one (``follows_up_id``). The closed ticket stays closed; its thread and timeline
(``followed_up``) name the follow-up. One click opens one follow-up per person: a second
click is answered with the first one's number.
"""

from __future__ import annotations

from sqlalchemy import select

from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.block_text import link
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox, owe_thread_post
from workflows.tickets.intake import NewTicket, announce_ticket, store_ticket
from workflows.tickets.lifecycle import TicketChange
from workflows.tickets.locks import lock_ticket
from workflows.tickets.messages.closing import follow_up_note, follow_up_summary
from workflows.tickets.messages.form import TicketForm

__all__ = ["open_follow_up"]


async def open_follow_up(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str,
                         channel_id: str | None) -> TicketChange:
    """Open the follow-up of closed ticket ``ticket_id`` for ``actor_id`` (the new ticket),
    or say which one they opened already."""
    async with deps.sessions.begin() as db:
        closed = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        earlier = (await db.execute(select(Ticket).where(
            Ticket.follows_up_id == closed.id, Ticket.reporter_id == actor_id).limit(1))).scalar_one_or_none()
    if earlier is not None:
        return TicketChange(earlier, changed=False, notice=(
            f"You opened {link(earlier.permalink, f'#{earlier.number}')} as the follow-up of #{closed.number} already."))
    form = TicketForm(summary=follow_up_summary(closed), category=closed.category, priority=closed.priority,
                      customer=closed.customer, private=closed.private,
                      description=f"Follows up #{closed.number}, which is closed: {closed.permalink or ''}".strip())
    request = NewTicket(team_id=team_id, reporter_id=actor_id, form=form, origin_channel_id=channel_id,
                        private=closed.private, follows_up_id=closed.id)
    ticket = await store_ticket(deps=deps, request=request)
    async with deps.sessions.begin() as db:
        closed = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        now = deps.clock()
        add_ticket_event(db, closed, TicketEventKind.FOLLOWED_UP, actor_id=actor_id, at=now,
                         detail={"follow_up": ticket.number, "follow_up_id": ticket.id})
        await owe_thread_post(db, closed, text=follow_up_note(closed, ticket, by=actor_id), now=now)
    await deliver_outbox(deps)
    ticket = await announce_ticket(deps=deps, ticket=ticket, request=request)
    return TicketChange(ticket, changed=True)
