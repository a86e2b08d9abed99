"""What assignment says: the DM to the new assignee, the thread note, the tier channel's
"nobody is free", and the answers to `/ticket away` and `/ticket back` (pure builders)."""

from __future__ import annotations

from models.tickets import Ticket
from workflows.block_text import cap, escape, link, user

SUMMARY_MAX = 150


def _ref(ticket: Ticket) -> str:
    return f"*{link(ticket.permalink, f'#{ticket.number}')}*"


def assigned_dm_text(ticket: Ticket, *, by: str | None, how: str | None = None) -> str:
    """The DM telling someone a ticket is theirs now (``by``: who gave it; None: the bot)."""
    giver = f"{user(by)} assigned you" if by else "You were assigned"
    why = f" ({how})" if how else ""
    where = f" Its card is in <#{ticket.channel_id}>." if ticket.channel_id else ""
    return (f"{giver} ticket {_ref(ticket)} `{escape(ticket.priority)}`{why}: "
            f"{escape(cap(ticket.summary, SUMMARY_MAX))}.{where} Reply in the card's thread to work on it.")


def assigned_note(ticket: Ticket, *, assignee_id: str, by: str | None, previous: str | None,
                  how: str | None = None) -> str:
    """The thread note: who gave the ticket to whom (and from whom)."""
    giver = user(by) if by else "supportbot"
    took = f" (from {user(previous)})" if previous else ""
    why = f", {how}" if how else ""
    return f"{giver} assigned #{ticket.number} to {user(assignee_id)}{took}{why}."


def nobody_free_text(ticket: Ticket, *, tier_name: str, max_open: int | None) -> str:
    """The tier channel's note when its assignment finds nobody to give a ticket to."""
    cap_note = f" or already hold {max_open} open tickets" if max_open else ""
    return (f":warning: Nobody in {escape(tier_name)} could be given {_ref(ticket)} `{escape(ticket.priority)}` "
            f"{escape(cap(ticket.summary, SUMMARY_MAX))}: every member is away{cap_note}. "
            f"It waits unassigned; claim it from its card.")


def away_text(changed: bool) -> str:
    if not changed:
        return "You are already away: no tickets are assigned to you automatically. `/ticket back` ends it."
    return ("You are away: no tickets are assigned to you automatically until you say `/ticket back`. "
            "The tickets you hold stay yours.")


def back_text(changed: bool) -> str:
    if not changed:
        return "You were not away; tickets are assigned to you as usual."
    return "Welcome back: tickets are assigned to you automatically again."
