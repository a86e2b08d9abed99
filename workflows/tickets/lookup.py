"""Answers to `/ticket` subcommands: #N, mine, queue, help look tickets up; reopen, wait,
resume, priority, assign, category, move, merge, away and back hand over to the
workflows that change them.

    reply = await answer_ticket_subcommand(deps=deps, team_id="T1", user_id="U1",
                                           channel_id="C1", command=parse_ticket_command("mine"))
    await respond(response_type="ephemeral", **reply)     # reply: text (+ blocks)

Unknown tickets raise ``TicketNotFound`` and unknown tiers ``InvalidRequest``; the app's
error handler answers them. Nothing here changes state itself: `/ticket reopen #N` hands
over to ``workflows.tickets.lifecycle``, `wait`/`resume` to ``workflows.tickets.waiting``
and `priority` to ``workflows.tickets.priority``, `assign`/`away`/`back` to
``workflows.tickets.assignment``, `category`/`move` to ``workflows.tickets.routing`` and
`merge` to ``workflows.tickets.merge``. `/ticket stats` is the reports' room
(``workflows.reports.stats_command``) and `/ticket triage #N` opens a form; the listener
sends them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workflows.policy.schema import AppConfig
from models.ticket_lists import (
    TicketList,
    open_queue,
    open_tickets_of_user,
    resolved_tickets_of_user,
)
from models.ticket_queries import get_ticket_by_number
from workflows.block_text import cap, escape, user
from workflows.tickets.messages.lists import (
    build_ticket_list_blocks,
    build_ticket_status_message,
    ticket_status_text,
)
from workflows.deps import Deps
from workflows.errors import InvalidRequest, TicketNotFound
from workflows.access.privacy import Viewer, hidden_ticket_ids, private_ticket_text, visible_to
from workflows.access.roles import roles_of
from workflows.tickets.commands import HELP_TEXT, TicketCommand, TicketSubcommand
from workflows.tickets.assignment import assign_ticket, parse_assignee, say_away, say_back
from workflows.tickets.lifecycle import reopen_ticket_by_number
from workflows.tickets.merge import merge_tickets
from workflows.tickets.states import is_done
from workflows.tickets.routing import change_category, move_ticket
from workflows.tickets.priority import change_ticket_priority
from workflows.tickets.waiting import resume_ticket, wait_on_customer

__all__ = [
    "QueueScope",
    "answer_ticket_subcommand",
    "change_priority_from_command",
    "list_my_tickets",
    "list_queue",
    "queue_scope",
    "reopen_ticket_from_command",
    "resume_ticket_from_command",
    "show_ticket_status",
    "wait_on_customer_from_command",
]

QUEUE_LIMIT = 30
MINE_OPEN_LIMIT = 30
MINE_RESOLVED_LIMIT = 10
TRIAGE = "triage"
NO_TICKETS = "You have no tickets. Open one with `/ticket`."


@dataclass(frozen=True)
class QueueScope:
    """Which open tickets a queue shows: ``tier_ids`` (None in it: triage), or all (None)."""

    title: str
    tier_ids: list[str | None] | None
    note: str = ""


def _known_tiers(config: AppConfig) -> str:
    tiers = ", ".join(f"`{tier.id}` ({escape(tier.name)})" for tier in config.tiers)
    return f"{tiers} or `{TRIAGE}`" if tiers else f"`{TRIAGE}`"


def queue_scope(config: AppConfig, argument: str, channel_id: str | None) -> QueueScope:
    """The queue `/ticket queue [tier]` means: the tier named by id or name (any case),
    else the tier of the channel it was typed in, else every open ticket."""
    wanted = argument.strip()
    if wanted:
        folded = wanted.casefold()
        for tier in config.tiers:
            if folded in (tier.id.casefold(), tier.name.casefold()):
                return QueueScope(f"Queue: {escape(tier.name)}", [tier.id])
        if folded == TRIAGE:
            return QueueScope("Queue: Triage (tickets without a tier)", [None])
        raise InvalidRequest(f"There is no tier `{escape(cap(wanted, 40))}`. Tiers: {_known_tiers(config)}.")
    tier = config.tier_by_channel(channel_id) if channel_id else None
    if tier is not None:
        return QueueScope(f"Queue: {escape(tier.name)}", [tier.id])
    return QueueScope("All open tickets, across tiers", None,
                      note="This channel belongs to no tier, so every open ticket is listed; "
                           "`/ticket queue &lt;tier&gt;` shows one tier.")


async def answer_ticket_subcommand(
    *, deps: Deps, team_id: str, user_id: str, channel_id: str | None, command: TicketCommand,
) -> dict[str, Any]:
    """The ephemeral reply (``text`` and ``blocks``) to a `/ticket` subcommand (not ``new``
    nor ``stats``: the listener opens the form, and asks the reports for the stats)."""
    kind = command.kind
    viewer = partial(roles_of, deps=deps, user_id=user_id)  # asked only where a private ticket is listed
    if kind == TicketSubcommand.HELP:
        return {"text": HELP_TEXT}
    if kind == TicketSubcommand.SHOW and command.number is not None:
        return await show_ticket_status(sessions=deps.sessions, config=deps.config, now=deps.clock(),
                                        team_id=team_id, number=command.number, viewer=viewer)
    if kind == TicketSubcommand.MINE:
        return await list_my_tickets(sessions=deps.sessions, now=deps.clock(), team_id=team_id, user_id=user_id)
    if kind == TicketSubcommand.QUEUE:
        return await list_queue(sessions=deps.sessions, config=deps.config, now=deps.clock(), team_id=team_id,
                                channel_id=channel_id, argument=command.argument, viewer=viewer)
    if kind == TicketSubcommand.REOPEN and command.number is not None:
        return await reopen_ticket_from_command(deps=deps, team_id=team_id, user_id=user_id, number=command.number)
    if kind == TicketSubcommand.WAIT and command.number is not None:
        return await wait_on_customer_from_command(deps=deps, team_id=team_id, user_id=user_id, number=command.number)
    if kind == TicketSubcommand.RESUME and command.number is not None:
        return await resume_ticket_from_command(deps=deps, team_id=team_id, user_id=user_id, number=command.number)
    if kind == TicketSubcommand.PRIORITY and command.number is not None:
        return await change_priority_from_command(deps=deps, team_id=team_id, user_id=user_id,
                                                  number=command.number, priority=command.argument)
    if kind in _WORK:
        return {"text": await _WORK[kind](deps, team_id, user_id, command)}
    raise InvalidRequest("I did not understand that. See `/ticket help`.")


async def _assign(deps: Deps, team_id: str, user_id: str, command: TicketCommand) -> str:
    assert command.number is not None
    change = await assign_ticket(deps=deps, team_id=team_id, actor_id=user_id, number=command.number,
                                 assignee_id=parse_assignee(command.argument))
    return change.notice or f"Assigned #{command.number}."


async def _merge(deps: Deps, team_id: str, user_id: str, command: TicketCommand) -> str:
    assert command.number is not None and command.other is not None
    duplicate, target = await merge_tickets(deps=deps, team_id=team_id, actor_id=user_id, number=command.number,
                                            into=command.other)
    said = f"Merged #{duplicate.number} into #{target.number}: #{duplicate.number} is resolved as a duplicate."
    if is_done(target.status) and duplicate.reporter_id != target.reporter_id:
        said += f" #{target.number} is resolved already, so {user(duplicate.reporter_id)} was sent its resolution."
    return said


#: The subcommands that hand over to the workflows of assignment, routing and merging.
_WORK = {
    TicketSubcommand.ASSIGN: _assign,
    TicketSubcommand.MERGE: _merge,
    TicketSubcommand.AWAY: lambda deps, team_id, user_id, _: say_away(deps=deps, team_id=team_id, user_id=user_id),
    TicketSubcommand.BACK: lambda deps, team_id, user_id, _: say_back(deps=deps, team_id=team_id, user_id=user_id),
    TicketSubcommand.MOVE: lambda deps, team_id, user_id, c: move_ticket(
        deps=deps, team_id=team_id, actor_id=user_id, number=c.number, tier=c.argument),
    TicketSubcommand.CATEGORY: lambda deps, team_id, user_id, c: change_category(
        deps=deps, team_id=team_id, actor_id=user_id, number=c.number, category=c.argument),
}


async def show_ticket_status(*, sessions: async_sessionmaker[AsyncSession], config: AppConfig, now: datetime,
                             team_id: str, number: int, viewer: Viewer) -> dict[str, Any]:
    """`/ticket #N`: the status card of ticket N (TicketNotFound when there is none; "Ticket
    #N is private" when it is private and not for the asker, ``viewer``, to see)."""
    async with sessions() as db:
        ticket = await get_ticket_by_number(db, team_id, number)
    if ticket is None:
        raise TicketNotFound(number)
    if ticket.private and not visible_to(await viewer(), ticket):
        return {"text": private_ticket_text(ticket.number)}
    return {"text": ticket_status_text(ticket), "blocks": build_ticket_status_message(ticket, config, now)}


async def list_my_tickets(*, sessions: async_sessionmaker[AsyncSession], now: datetime, team_id: str,
                          user_id: str) -> dict[str, Any]:
    """`/ticket mine`: open tickets the user reported or holds (nearest deadline first),
    then the most recently resolved ones."""
    async with sessions() as db:
        open_ones = await open_tickets_of_user(db, team_id, user_id, limit=MINE_OPEN_LIMIT)
        resolved = await resolved_tickets_of_user(db, team_id, user_id, limit=MINE_RESOLVED_LIMIT)
    if not open_ones.tickets and not resolved:
        return {"text": NO_TICKETS}
    blocks = build_ticket_list_blocks(
        "Your open tickets (reported or claimed), nearest SLA deadline first", open_ones.tickets, now=now,
        more=open_ones.more, empty="No open tickets.",
    )
    if resolved:
        blocks += build_ticket_list_blocks("Recently resolved", resolved, now=now)
    text = f"Your tickets: {open_ones.total} open, {len(resolved)} recently resolved."
    return {"text": text, "blocks": blocks}


async def list_queue(*, sessions: async_sessionmaker[AsyncSession], config: AppConfig, now: datetime, team_id: str,
                     channel_id: str | None, argument: str, viewer: Viewer) -> dict[str, Any]:
    """`/ticket queue [tier]`: open tickets of a tier, nearest SLA deadline first (private
    ones the asker, ``viewer``, may not see without their summary)."""
    scope = queue_scope(config, argument, channel_id)
    async with sessions() as db:
        queue: TicketList = await open_queue(db, team_id, tier_ids=scope.tier_ids, limit=QUEUE_LIMIT)
    if not queue.tickets:
        return {"text": f"{scope.title} — empty: no open tickets."}
    private = [ticket for ticket in queue.tickets if ticket.private]
    hidden = hidden_ticket_ids(await viewer(), private) if private else frozenset()
    blocks = build_ticket_list_blocks(
        f"{scope.title} — {queue.total} open, nearest SLA deadline first", queue.tickets, now=now, more=queue.more,
        note=scope.note, hidden=hidden,
    )
    return {"text": f"{scope.title}: {queue.total} open ticket{'s' if queue.total != 1 else ''}.", "blocks": blocks}


async def reopen_ticket_from_command(*, deps: Deps, team_id: str, user_id: str, number: int) -> dict[str, Any]:
    """`/ticket reopen #N`: reopen ticket N (TicketNotFound, InvalidState pass through)."""
    ticket = await reopen_ticket_by_number(deps=deps, team_id=team_id, number=number, actor_id=user_id)
    return {"text": f"Reopened #{ticket.number}."}


async def wait_on_customer_from_command(*, deps: Deps, team_id: str, user_id: str, number: int) -> dict[str, Any]:
    """`/ticket wait #N`: pause the resolution clock until the reporter replies."""
    change = await wait_on_customer(deps=deps, team_id=team_id, actor_id=user_id, number=number)
    return {"text": change.notice or (f"#{number} is waiting on the customer: its resolution clock is paused "
                                      "until the reporter replies in the thread.")}


async def resume_ticket_from_command(*, deps: Deps, team_id: str, user_id: str, number: int) -> dict[str, Any]:
    """`/ticket resume #N`: stop waiting on the customer."""
    change = await resume_ticket(deps=deps, team_id=team_id, actor_id=user_id, number=number)
    return {"text": change.notice or f"Resumed #{number}: its resolution clock runs again."}


async def change_priority_from_command(*, deps: Deps, team_id: str, user_id: str, number: int,
                                       priority: str) -> dict[str, Any]:
    """`/ticket priority #N P1`: change the priority and re-arm the SLA timers."""
    change = await change_ticket_priority(deps=deps, team_id=team_id, actor_id=user_id, number=number,
                                          priority=priority)
    return {"text": change.notice or f"#{number} is now {change.ticket.priority}; its SLA due times were computed again."}
