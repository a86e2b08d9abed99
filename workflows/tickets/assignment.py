"""Who works a ticket: assigning it (the card's *Assign* menu, `/ticket assign #N @user`),
the tier's automatic assignment, and `/ticket away` / `/ticket back`.

    change = await assign_ticket(deps=deps, team_id="T1", actor_id="U1", assignee_id="U2", number=42)
    picked = await auto_assign(db, ticket, config=config, now=now)   # in the caller's transaction

Assigning is the lifecycle's ``assign`` event (``workflows/tickets/states.py``): a
ticket that is new or triaged goes in progress, one waiting on the customer keeps
waiting. The assignee is told by DM (through the outbox), the thread gets a note and
the card is re-rendered.

Automatic assignment (a tier's ``assignment``: ``round_robin`` or ``least_open``) gives
the tier's new, escalated and moved-in tickets to one of its ``members``: not those who
said `/ticket away`, nor those already holding ``max_open`` open tickets. Round robin
takes the member after the one who got the tier's last ticket; least open the member
with the fewest open tickets (the first listed on a tie). The tier's cursor row is held
while choosing (``models/assignment.py``), so two replicas assigning in one tier take
turns. When nobody is free the ticket waits unassigned and the tier's channel is told.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.assignment import away_users, lock_cursor, open_counts, set_away, set_back
from models.ticket_queries import add_ticket_event, find_ticket_by_card
from models.tickets import Ticket, TicketEventKind
from workflows.access.authority import Operation, can
from workflows.access.roles import roles_of
from workflows.block_text import user
from workflows.deps import Deps
from workflows.errors import InvalidRequest, NotAllowed
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.policy.desk import Tier
from workflows.policy.schema import AppConfig
from workflows.tickets.lifecycle import TicketChange
from workflows.tickets.locks import TicketGone, lock_ticket
from workflows.tickets.messages.assignment import (
    assigned_dm_text,
    assigned_note,
    away_text,
    back_text,
    nobody_free_text,
)
from workflows.tickets.states import Event, Transition, transition_for
from workflows.tickets.transitions import check_event, enter

__all__ = ["assign_ticket", "auto_assign", "give_ticket", "parse_assignee", "pick_agent", "say_away", "say_back"]

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def parse_assignee(word: str) -> str:
    """The user id in ``<@U123|ana>`` (Slack escapes the mention) or ``U123``."""
    word = word.strip()
    match = _MENTION.match(word)
    if match:
        return match.group(1)
    if _USER_ID.match(word):
        return word
    raise InvalidRequest("Name the person with an @mention, e.g. `/ticket assign #42 @ana`.")


def pick_agent(mode: str, members: Sequence[str], *, away: set[str], counts: dict[str, int],
               max_open: int | None, last: str | None) -> str | None:
    """The member to give the next ticket to under ``mode``; None when nobody is free."""
    free = [m for m in members if m not in away and (max_open is None or counts.get(m, 0) < max_open)]
    if not free:
        return None
    if mode == "least_open":
        return min(free, key=lambda m: (counts.get(m, 0), members.index(m)))
    start = members.index(last) + 1 if last in members else 0
    turn = list(members[start:]) + list(members[:start])
    return next(m for m in turn if m in free)


async def give_ticket(db: AsyncSession, ticket: Ticket, transition: Transition, *, assignee_id: str,
                      actor_id: str | None, now: datetime, how: str | None = None) -> None:
    """Make ``assignee_id`` the ticket's assignee (``transition``: its ``assign`` event)
    and owe the DM, the thread note and the card, in the caller's transaction."""
    previous = ticket.assignee_id
    ticket.assignee_id = assignee_id
    detail = {"assignee": assignee_id, "previous_assignee": previous, "automatic": actor_id is None, "how": how}
    enter(db, ticket, transition, actor_id=actor_id, now=now, detail={k: v for k, v in detail.items() if v})
    await owe_card_update(db, ticket, now=now)
    await owe_thread_post(db, ticket, now=now,
                          text=assigned_note(ticket, assignee_id=assignee_id, by=actor_id, previous=previous, how=how))
    if assignee_id != actor_id:
        await owe_post(db, channel=assignee_id, now=now, text=assigned_dm_text(ticket, by=actor_id, how=how))


async def auto_assign(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime) -> str | None:
    """Give ``ticket`` (locked or new, in the caller's transaction) to a member of its tier
    when the tier assigns automatically; the person given it, or None (no such policy, or
    nobody free: then the tier's channel is told)."""
    tier = _tier(config, ticket.tier)
    if tier is None or tier.assignment is None:
        return None
    cursor = await lock_cursor(db, ticket.team_id, tier.id)
    members = list(tier.members)
    picked = pick_agent(tier.assignment, members, away=await away_users(db, ticket.team_id, members),
                        counts=await open_counts(db, ticket.team_id, members), max_open=tier.max_open,
                        last=cursor.last_user_id)
    if picked is None:
        add_ticket_event(db, ticket, TicketEventKind.UNASSIGNABLE, actor_id=None, at=now,
                         detail={"tier": tier.id, "assignment": tier.assignment, "max_open": tier.max_open})
        await owe_post(db, channel=tier.channel, now=now,
                       text=nobody_free_text(ticket, tier_name=tier.name, max_open=tier.max_open))
        return None
    cursor.last_user_id = picked
    if picked == ticket.assignee_id:
        return picked
    transition = transition_for(Event.ASSIGN, ticket.status, number=ticket.number)
    how = f"{'round robin' if tier.assignment == 'round_robin' else 'fewest open tickets'} in {tier.name}"
    await give_ticket(db, ticket, transition, assignee_id=picked, actor_id=None, now=now, how=how)
    return picked


def _tier(config: AppConfig, tier_id: str | None) -> Tier | None:
    try:
        return config.tier(tier_id) if tier_id else None
    except KeyError:
        return None


async def assign_ticket(*, deps: Deps, team_id: str, actor_id: str, assignee_id: str, ticket_id: int | None = None,
                        number: int | None = None, card: tuple[str, str] | None = None) -> TicketChange:
    """Give the ticket (by id, number, or its ``card``: channel and ts) to ``assignee_id``."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        if card is not None:
            found = await find_ticket_by_card(db, *card)
            if found is None:
                raise TicketGone()
            ticket_id = found.id
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id, number=number)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.ASSIGN, ticket=ticket)
        if ticket.assignee_id == assignee_id:
            return TicketChange(ticket, changed=False,
                                notice=f"#{ticket.number} is already assigned to {user(assignee_id)}.")
        await give_ticket(db, ticket, transition, assignee_id=assignee_id, actor_id=actor_id, now=deps.clock())
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True, notice=f"Assigned #{ticket.number} to {user(assignee_id)}.")


async def say_away(*, deps: Deps, team_id: str, user_id: str) -> str:
    """`/ticket away`: no automatic assignments for ``user_id`` until they are back."""
    await _may_say(deps, user_id)
    async with deps.sessions.begin() as db:
        changed = await set_away(db, team_id=team_id, user_id=user_id, since=deps.clock())
    return away_text(changed)


async def say_back(*, deps: Deps, team_id: str, user_id: str) -> str:
    """`/ticket back`: automatic assignments again."""
    await _may_say(deps, user_id)
    async with deps.sessions.begin() as db:
        changed = await set_back(db, team_id=team_id, user_id=user_id)
    return back_text(changed)


async def _may_say(deps: Deps, user_id: str) -> None:
    decision = can(await roles_of(deps=deps, user_id=user_id), Operation.SET_AWAY)
    if not decision.allowed:
        raise NotAllowed(decision.reason)
