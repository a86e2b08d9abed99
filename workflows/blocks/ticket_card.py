"""The ticket card: the top-level message whose thread is the ticket's conversation.

Re-rendered from state after every change (DESIGN.md point 8), by ``build_ticket_card``.
"""

from __future__ import annotations

from typing import Any

from bot.config import AppConfig
from handlers.ids import Action, Block
from models.tickets import Ticket, TicketStatus
from workflows.blocks.text import HEADER_TEXT_MAX, cap, escape, link, mrkdwn, plain, slack_date, user


def priority_label(config: AppConfig, priority: str) -> str:
    try:
        return f"{priority} · {config.priority(priority).name}"
    except KeyError:
        return priority


def tier_label(config: AppConfig, tier_id: str | None) -> str:
    if not tier_id:
        return "Triage"
    try:
        return config.tier(tier_id).name
    except KeyError:
        return tier_id


def status_text(ticket: Ticket) -> str:
    if ticket.status == TicketStatus.RESOLVED:
        return f"Resolved by {user(ticket.resolved_by)}"
    if ticket.assignee_id:
        return f"Claimed by {user(ticket.assignee_id)}"
    return "Open, unclaimed"


def first_response_text(ticket: Ticket) -> str:
    if ticket.first_response_at:
        return f"Answered by {user(ticket.first_response_by)} {slack_date(ticket.first_response_at)}"
    if ticket.first_response_due_at:
        return f"Due {slack_date(ticket.first_response_due_at)}"
    return "—"


def resolution_text(ticket: Ticket) -> str:
    if ticket.resolved_at:
        return f"Resolved {slack_date(ticket.resolved_at)}"
    if ticket.resolution_due_at:
        return f"Due {slack_date(ticket.resolution_due_at)}"
    return "—"


def ticket_fallback_text(ticket: Ticket) -> str:
    """The notification text of the card (what a push notification shows)."""
    return f"Ticket #{ticket.number} [{ticket.priority}] {escape(cap(ticket.summary, 200))}"


def _button(text: str, action: Action, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": str(action), "value": value}
    if style:
        button["style"] = style
    return button


def card_buttons(ticket: Ticket) -> list[dict[str, Any]]:
    value = str(ticket.id)
    if ticket.status == TicketStatus.RESOLVED:
        return [_button("Reopen", Action.REOPEN, value)]
    claim = "Claim" if not ticket.assignee_id else "Take over"
    return [
        _button(claim, Action.CLAIM, value, "primary"),
        _button("Escalate", Action.ESCALATE, f"{ticket.id}:{ticket.number}"),
        _button("Resolve", Action.RESOLVE, value),
    ]


def ticket_fields(ticket: Ticket, config: AppConfig) -> list[dict[str, str]]:
    return [
        mrkdwn(f"*Priority*\n{escape(priority_label(config, ticket.priority))}"),
        mrkdwn(f"*Category*\n{escape(ticket.category)}"),
        mrkdwn(f"*Tier*\n{escape(tier_label(config, ticket.tier))}"),
        mrkdwn(f"*Status*\n{status_text(ticket)}"),
        mrkdwn(f"*Reporter*\n{user(ticket.reporter_id)}"),
        mrkdwn(f"*Customer*\n{escape(ticket.customer) or '—'}"),
        mrkdwn(f"*First response*\n{first_response_text(ticket)}"),
        mrkdwn(f"*Resolution*\n{resolution_text(ticket)}"),
    ]


def build_ticket_card(ticket: Ticket, config: AppConfig) -> list[dict[str, Any]]:
    """Blocks of the ticket card, from the ticket's current state."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"#{ticket.number} {ticket.summary}", HEADER_TEXT_MAX)},
        {"type": "section", "fields": ticket_fields(ticket, config)},
    ]
    if ticket.description:
        blocks.append({"type": "section", "text": mrkdwn(escape(cap(ticket.description, 2900)))})
    if ticket.status == TicketStatus.RESOLVED and ticket.resolution:
        blocks.append({"type": "section", "text": mrkdwn(f"*Resolution*\n{escape(cap(ticket.resolution, 2800))}")})
    context = ["Reply in this thread to talk about the ticket."]
    if ticket.source_permalink:
        context.append(link(ticket.source_permalink, "Original message"))
    if ticket.reopen_count:
        context.append(f"Reopened {ticket.reopen_count}×")
    blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(context))]})
    blocks.append({"type": "actions", "block_id": str(Block.TICKET_ACTIONS), "elements": card_buttons(ticket)})
    return blocks
