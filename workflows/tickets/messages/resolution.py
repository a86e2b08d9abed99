"""The post-resolution summary posted in a ticket's thread.

It names the ticket, who resolved it, the resolution time (from creation to resolution,
as ``workflows.policy.durations.format_duration`` writes it), the resolution, and the root cause and
follow-up when given. Every piece of user text is escaped and capped.
"""

from __future__ import annotations

from typing import Any

from workflows.policy.durations import format_duration
from models.tickets import Ticket
from workflows.block_text import cap, escape, mrkdwn, user

PART_MAX = 2800

__all__ = ["build_resolution_summary_message", "resolution_summary_text", "resolution_time"]


def resolution_time(ticket: Ticket) -> str:
    """How long the ticket was open, e.g. ``2h 30m``; an em dash when not resolved."""
    if ticket.resolved_at is None:
        return "—"
    return format_duration(ticket.resolved_at - ticket.created_at)


def resolution_summary_text(ticket: Ticket) -> str:
    """The notification text of the summary."""
    return (f"Ticket #{ticket.number} resolved by {user(ticket.resolved_by)} in {resolution_time(ticket)}: "
            f"{escape(cap(ticket.resolution or '', 200))}")


def _part(title: str, text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(f"*{title}*\n{escape(cap(text, PART_MAX))}")}


def build_resolution_summary_message(ticket: Ticket) -> list[dict[str, Any]]:
    """Blocks of the summary, from the resolved ticket's state."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(
            f":white_check_mark: *Ticket #{ticket.number} resolved* by {user(ticket.resolved_by)}\n"
            f"*Resolution time:* {resolution_time(ticket)}"
        )},
        _part("Resolution", ticket.resolution or "—"),
    ]
    if ticket.root_cause:
        blocks.append(_part("Root cause", ticket.root_cause))
    if ticket.follow_up:
        blocks.append(_part("Follow-up needed", ticket.follow_up))
    return blocks
