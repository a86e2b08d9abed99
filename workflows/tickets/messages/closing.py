"""What closing and keeping the customer informed say: the resolution DM's *Confirm fixed* / *Still broken* buttons and what
the DM turns into once clicked, the watchers' DM, the notes in the thread, and the answer
in a closed ticket's thread with its *Open a follow-up ticket* button, and the reminder of a
quiet thread (``tickets.update_every``) (pure builders)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.tickets import Ticket
from workflows.block_text import cap, escape, link, mrkdwn, plain, user
from workflows.policy.durations import format_duration
from workflows.tickets.ids import TicketAction, TicketBlock

__all__ = [
    "auto_closed_note", "build_closed_answer", "build_resolution_answer_buttons", "closed_answer_text",
    "confirmed_dm_text", "confirmed_note", "follow_up_note", "follow_up_summary", "follows_up_note",
    "merged_reply_text",
    "quiet_thread_text", "quiet_ticket_channel_text", "reopened_by_reply_note", "still_broken_dm_text",
    "still_broken_note", "watcher_resolved_text",
]

SUMMARY_MAX = 150


def _button(text: str, action: TicketAction, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": str(action), "value": value}
    if style:
        button["style"] = style
    return button


def build_resolution_answer_buttons(ticket: Ticket) -> list[dict[str, Any]]:
    """Under the resolution DM: *Confirm fixed* (closes now) and *Still broken* (reopens)."""
    value = str(ticket.id)
    return [{"type": "actions", "block_id": str(TicketBlock.RESOLUTION_ANSWER), "elements": [
        _button("Confirm fixed", TicketAction.CONFIRM_FIXED, value, "primary"),
        _button("Still broken", TicketAction.STILL_BROKEN, value, "danger"),
    ]}]


def confirmed_dm_text(ticket: Ticket) -> str:
    return f":white_check_mark: Thanks for confirming: ticket #{ticket.number} is closed."


def still_broken_dm_text(ticket: Ticket) -> str:
    return (f":arrows_counterclockwise: Ticket #{ticket.number} is reopened and back with the support team; "
            f"add what you see in its thread.")


def confirmed_note(ticket: Ticket) -> str:
    return f"{user(ticket.reporter_id)} confirmed the fix: #{ticket.number} is closed."


def still_broken_note(ticket: Ticket) -> str:
    return f":arrows_counterclockwise: {user(ticket.reporter_id)} says it is still broken: #{ticket.number} is reopened."


def reopened_by_reply_note(ticket: Ticket) -> str:
    return f":arrows_counterclockwise: {user(ticket.reporter_id)} replied after the resolution: #{ticket.number} is reopened."


def auto_closed_note(ticket: Ticket, after: timedelta) -> str:
    return (f"#{ticket.number} closed automatically: resolved {format_duration(after)} ago, "
            f"with no word from {user(ticket.reporter_id)} since.")


def watcher_resolved_text(ticket: Ticket, duplicate_number: int) -> str:
    """To the reporter of a ticket merged into ``ticket``, when there is no ``messages.resolved``."""
    return (f":white_check_mark: Ticket {link(ticket.permalink, f'#{ticket.number}')}, which your ticket "
            f"#{duplicate_number} was merged into, is resolved: {escape(cap(ticket.resolution or '', 1000))}")


def merged_reply_text(ticket: Ticket, target: Ticket | None) -> str:
    where = f" under {link(target.permalink, f'#{target.number}')}" if target is not None else ""
    return f"#{ticket.number} was merged into another ticket as a duplicate; please reply{where} instead."


def closed_answer_text(ticket: Ticket) -> str:
    return (f"#{ticket.number} is closed, so this reply does not reopen it. If the problem is back or something "
            f"else is wrong, open a follow-up ticket: it links to this one.")


def build_closed_answer(ticket: Ticket) -> list[dict[str, Any]]:
    """The answer in a closed ticket's thread, with *Open a follow-up ticket*."""
    return [
        {"type": "section", "text": mrkdwn(closed_answer_text(ticket))},
        {"type": "actions", "block_id": str(TicketBlock.FOLLOW_UP_OFFER), "elements": [
            _button("Open a follow-up ticket", TicketAction.OPEN_FOLLOW_UP, str(ticket.id), "primary")]},
    ]


def follow_up_summary(ticket: Ticket) -> str:
    return cap(f"Follow-up to #{ticket.number}: {ticket.summary}", SUMMARY_MAX)


def follow_up_note(closed: Ticket, follow_up: Ticket, *, by: str) -> str:
    return f"{user(by)} opened #{follow_up.number} as a follow-up to #{closed.number}."


def follows_up_note(closed: Ticket) -> str:
    """The first note under a follow-up's card: the closed ticket it follows up."""
    return (f"This ticket follows up {link(closed.permalink, f'#{closed.number}')} "
            f"({escape(cap(closed.summary, SUMMARY_MAX))}), which is closed; its thread has the story so far.")


def quiet_thread_text(ticket: Ticket, every: timedelta) -> str:
    """The reminder in a ticket's thread when nobody but the reporter has written for ``every``."""
    who = user(ticket.assignee_id) if ticket.assignee_id else "Nobody holds this ticket, and nobody"
    verb = ": nobody" if ticket.assignee_id else ""
    return (f":hourglass: {who}{verb} has written to {user(ticket.reporter_id)} in #{ticket.number}'s thread for "
            f"{format_duration(every)}. Tell them where things stand, even if there is no news yet.")


def quiet_ticket_channel_text(ticket: Ticket, every: timedelta) -> str:
    """In the tier's channel, for a quiet ticket nobody holds."""
    return (f":hourglass: {link(ticket.permalink, f'#{ticket.number}')} `{escape(ticket.priority)}` "
            f"{escape(cap(ticket.summary, SUMMARY_MAX))}: no update for the customer in {format_duration(every)}, "
            f"and nobody holds it. Can someone take it?")
