"""Re-routing: a ticket moves to another tier's channel (`/ticket move #N tier2`), or to the
tier of its new category (`/ticket category #N Name`, the triage form).

    answer = await move_ticket(deps=deps, team_id="T1", actor_id="U1", number=42, tier="tier2")
    moved = await reroute(db, ticket, config=config, now=now, actor_id="U1", to_tier=tier, why="")

A move posts a new card in the new tier's channel (the triage channel for ``triage``),
whose thread opens with a link to the conversation so far; the old card is edited to
point there (no buttons left) and its thread told; the timeline gets a ``moved`` row.
The old card's thread stays the ticket's conversation (``ticket_former_cards``): a reply
there counts as one under the card, and the first one gets a pointer to the new card
(``workflows/tickets/thread.py``).
The ticket keeps its number, its state and its SLA clocks: a move changes no due time,
warnings and breaches go to the new tier, and its time in the new tier
(``escalation.time_in_tier``) counts from the move. A new category whose SLA overrides
(``categories[].first_response``, ``resolution``) differ from the old one's re-targets
the clocks they govern (``workflows.sla.retarget.apply_targets``, as a priority change
does): due times computed from the ticket's start as if it had always had the category,
the pending warnings and breaches planned again (those sent stay sent, a first response
given still counts); the ``category_changed`` row keeps the old and new due times, and the
thread's note says the new ones. A tier that assigns automatically gives the
ticket to one of its members (``workflows/tickets/assignment.py``). Everything is owed
through the outbox in the transaction of the move, the new card before its first note.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_former_card, add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.access.authority import Operation
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.block_text import cap, escape
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.outbox.enqueue import deliver_outbox, owe_card, owe_card_update, owe_post, owe_thread_post, owe_update
from workflows.policy.desk import Category, Tier
from workflows.policy.schema import AppConfig
from workflows.tickets.assignment import auto_assign
from workflows.tickets.locks import lock_ticket
from workflows.sla.retarget import DueChange, apply_targets, category_clocks
from workflows.sla.schedule import schedule_ticket_sla
from workflows.tickets.messages.card import due_times_sentence, tier_label
from workflows.tickets.messages.routing import (
    build_moved_card,
    category_note,
    moved_away_note,
    moved_card_text,
    moved_here_note,
)
from workflows.tickets.states import require_open

__all__ = ["category_named", "change_category", "change_category_in_place", "move_ticket", "reroute", "tier_named"]

TRIAGE = "triage"


def tier_named(config: AppConfig, word: str) -> Tier | None:
    """The tier named by id or name (any case); None for ``triage``; InvalidRequest otherwise."""
    folded = word.strip().casefold()
    for tier in config.tiers:
        if folded in (tier.id.casefold(), tier.name.casefold()):
            return tier
    if folded == TRIAGE:
        return None
    known = ", ".join(f"`{t.id}` ({escape(t.name)})" for t in config.tiers)
    raise InvalidRequest(f"There is no tier `{escape(cap(word.strip(), 40))}`. Tiers: {known} or `{TRIAGE}`.")


def category_named(config: AppConfig, name: str) -> Category:
    category = config.category(name.strip())
    if category is None:
        known = ", ".join(escape(c.name) for c in config.categories)
        raise InvalidRequest(f"There is no category `{escape(cap(name.strip(), 75))}`. Categories: {known}.")
    return category


async def reroute(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime, actor_id: str | None,
                  to_tier: Tier | None, why: str = "", assign: bool = True, also: str = "") -> bool:
    """Move ``ticket`` (locked by the caller) to ``to_tier`` (None: triage); False when it
    is there already. ``why``: a clause for the notes (", category Payment failed");
    ``also``: a sentence the new card's first note ends with (" Now first response due …")."""
    if (to_tier.id if to_tier else None) == ticket.tier:
        return False
    from_tier, old_channel, old_ts, old_link = ticket.tier, ticket.channel_id, ticket.message_ts, ticket.permalink
    from_name, to_name = tier_label(config, from_tier), tier_label(config, to_tier.id if to_tier else None)
    to_channel = to_tier.channel if to_tier else config.channels.triage
    ticket.tier = to_tier.id if to_tier else None
    ticket.channel_id, ticket.message_ts, ticket.permalink = to_channel, None, None
    ticket.tier_entered_at = now  # its stay in the new tier (escalation.time_in_tier) counts from the move
    await schedule_ticket_sla(db, ticket, config, ahead_of=now)  # the new tier's timed escalation, if any
    add_ticket_event(db, ticket, TicketEventKind.MOVED, actor_id=actor_id, at=now, detail={
        "from": from_tier, "to": ticket.tier, "from_channel": old_channel, "from_ts": old_ts,
        "from_permalink": old_link, "to_channel": to_channel, "why": why or None,
    })
    await owe_card(db, ticket, now=now)
    await owe_thread_post(db, ticket, now=now, text=moved_here_note(
        ticket, from_name=from_name, from_channel=old_channel, old_permalink=old_link, actor_id=actor_id,
        why=why) + also)
    if old_channel and old_ts:
        await add_former_card(db, ticket.id, channel_id=old_channel, message_ts=old_ts, at=now)
        await owe_update(db, channel=old_channel, ts=old_ts, now=now, text=moved_card_text(ticket, to_channel=to_channel),
                         blocks=build_moved_card(ticket, to_name=to_name, to_channel=to_channel, actor_id=actor_id))
        await owe_post(db, channel=old_channel, thread_ts=old_ts, now=now,
                       text=moved_away_note(ticket, to_name=to_name, to_channel=to_channel))
    if assign:
        await auto_assign(db, ticket, config=config, now=now)
    return True


async def change_category_in_place(db: AsyncSession, ticket: Ticket, category: Category, *, config: AppConfig,
                                   now: datetime, actor_id: str | None, assign: bool = True) -> bool:
    """Give ``ticket`` (locked, open) the category, with its SLA targets when they differ
    from the old category's, and route it to the category's first tier (triage when it has
    none); False when it already has it."""
    if category.name == ticket.category:
        return False
    previous, detail = ticket.category, {"from": ticket.category, "to": category.name}
    clocks = category_clocks(config, ticket, category.name)
    if clocks:  # due times from the ticket's start under the new targets; the clocks keep running
        change = await apply_targets(db, ticket, config=config, now=now, category=category.name, clocks=clocks)
        detail.update(change.detail())
    else:
        ticket.category, change = category.name, DueChange({})
    add_ticket_event(db, ticket, TicketEventKind.CATEGORY_CHANGED, actor_id=actor_id, at=now, detail=detail)
    targets = due_times_sentence(ticket) if change.moved else ""
    moved = await reroute(db, ticket, config=config, now=now, actor_id=actor_id, to_tier=config.initial_tier(category),
                          why=f", category *{escape(category.name)}*", assign=assign, also=targets)
    if not moved:
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, now=now,
                              text=category_note(ticket, previous=previous, actor_id=actor_id) + targets)
    return True


async def move_ticket(*, deps: Deps, team_id: str, actor_id: str, number: int, tier: str) -> str:
    """`/ticket move #N tier2`: the answer to the person who asked."""
    to_tier = tier_named(deps.config, tier)
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, number=number)
        await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.MOVE_TICKET, ticket=ticket)
        require_open(ticket, "first to move it")
        moved = await reroute(db, ticket, config=deps.config, now=deps.clock(), actor_id=actor_id, to_tier=to_tier)
    if not moved:
        return f"#{number} is in {escape(tier_label(deps.config, ticket.tier))} already."
    await deliver_outbox(deps)
    return f"Moved #{number} to {escape(tier_label(deps.config, ticket.tier))} (<#{ticket.channel_id}>)."


async def change_category(*, deps: Deps, team_id: str, actor_id: str, number: int, category: str) -> str:
    """`/ticket category #N Name`: the answer to the person who asked."""
    wanted = category_named(deps.config, category)
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, number=number)
        await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.MOVE_TICKET, ticket=ticket)
        require_open(ticket, "first to change its category")
        before, due = ticket.tier, _due(ticket)
        changed = await change_category_in_place(db, ticket, wanted, config=deps.config, now=deps.clock(),
                                                 actor_id=actor_id)
    if not changed:
        return f"#{number} is in *{escape(wanted.name)}* already."
    await deliver_outbox(deps)
    where = "" if ticket.tier == before else f"; it moved to {escape(tier_label(deps.config, ticket.tier))} (<#{ticket.channel_id}>)"
    retargeted = "" if _due(ticket) == due else "; its SLA due times were computed again"
    return f"#{number} is now *{escape(wanted.name)}*{where}{retargeted}."


def _due(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    return ticket.first_response_due_at, ticket.resolution_due_at
