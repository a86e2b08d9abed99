"""The triage form (the card's *Triage* button, `/ticket triage #N`): priority, category and
assignee in one step, and the parsing of what Slack sends back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from models.tickets import Ticket
from workflows.block_text import PLAIN_OPTION_MAX, mrkdwn, plain
from workflows.button_values import parse_row_id
from workflows.policy.schema import AppConfig
from workflows.tickets.ids import TicketAction, TicketBlock, TicketView

__all__ = ["TriageForm", "build_triage_modal", "parse_triage_form", "validate_triage_form"]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, PLAIN_OPTION_MAX), "value": value}


def _input(block: TicketBlock, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": str(block), "label": plain(label), "element": element, "optional": optional}


def build_triage_modal(ticket: Ticket, config: AppConfig) -> dict[str, Any]:
    """Labels Priority, Category, Assignee; each starts at the ticket's current value."""
    priorities = [_option(f"{pid} · {p.name}", pid) for pid, p in config.priorities.items()]
    categories = [_option(c.name, c.name) for c in config.categories]
    priority: dict[str, Any] = {"type": "static_select", "action_id": str(TicketAction.TRIAGE_PRIORITY),
                                "options": priorities}
    current = next((o for o in priorities if o["value"] == ticket.priority), None)
    if current:
        priority["initial_option"] = current
    category: dict[str, Any] = {"type": "static_select", "action_id": str(TicketAction.TRIAGE_CATEGORY),
                                "options": categories}
    current = next((o for o in categories if o["value"] == ticket.category), None)
    if current:
        category["initial_option"] = current
    assignee: dict[str, Any] = {"type": "users_select", "action_id": str(TicketAction.TRIAGE_ASSIGNEE),
                                "placeholder": plain("Who works on it")}
    if ticket.assignee_id:
        assignee["initial_user"] = ticket.assignee_id
    return {
        "type": "modal", "callback_id": str(TicketView.TRIAGE_TICKET), "title": plain(f"Triage #{ticket.number}", 24),
        "submit": plain("Triage"), "close": plain("Cancel"),
        "private_metadata": json.dumps({"ticket_id": ticket.id}),
        "blocks": [
            {"type": "section", "text": mrkdwn(f"*#{ticket.number}* {plain(ticket.summary, 200)['text']}")},
            _input(TicketBlock.TRIAGE_PRIORITY, "Priority", priority),
            _input(TicketBlock.TRIAGE_CATEGORY, "Category", category),
            _input(TicketBlock.TRIAGE_ASSIGNEE, "Assignee", assignee, optional=True),
            {"type": "context", "elements": [mrkdwn(
                "A new category moves the ticket to that category's tier. With an assignee it is in progress; "
                "without one, triaged (or given out by the tier's automatic assignment).")]},
        ],
    }


@dataclass(frozen=True)
class TriageForm:
    ticket_id: int | None
    priority: str | None
    category: str | None
    assignee_id: str | None


def _state(values: dict[str, Any], block: TicketBlock, action: TicketAction) -> dict[str, Any]:
    state = values.get(str(block))
    state = state.get(str(action)) if isinstance(state, dict) else None
    return state if isinstance(state, dict) else {}


def _selected(values: dict[str, Any], block: TicketBlock, action: TicketAction) -> str | None:
    option = _state(values, block, action).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) and value else None


def parse_triage_form(view: dict[str, Any]) -> TriageForm:
    """Plain values out of the submitted view (anything malformed reads as missing)."""
    values = (view.get("state") or {}).get("values") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    raw = meta.get("ticket_id") if isinstance(meta, dict) else None
    user = _state(values, TicketBlock.TRIAGE_ASSIGNEE, TicketAction.TRIAGE_ASSIGNEE).get("selected_user")
    return TriageForm(
        ticket_id=parse_row_id(str(raw)) if type(raw) is int else None,  # noqa: E721 - not a bool
        priority=_selected(values, TicketBlock.TRIAGE_PRIORITY, TicketAction.TRIAGE_PRIORITY),
        category=_selected(values, TicketBlock.TRIAGE_CATEGORY, TicketAction.TRIAGE_CATEGORY),
        assignee_id=user if isinstance(user, str) and user[:1] in ("U", "W") and user.isalnum() else None,
    )


def validate_triage_form(form: TriageForm, config: AppConfig) -> dict[str, str]:
    """Field errors keyed by block_id (the form can be forged)."""
    errors: dict[str, str] = {}
    if form.priority not in config.priorities:
        errors[str(TicketBlock.TRIAGE_PRIORITY)] = "Pick a priority (P0–P3)."
    category = config.category(form.category) if form.category else None
    if category is None or category.name != form.category:
        errors[str(TicketBlock.TRIAGE_CATEGORY)] = "Pick one of the categories."
    if form.ticket_id is None:
        errors[str(TicketBlock.TRIAGE_PRIORITY)] = "This form does not name a ticket; use `/ticket triage #N`."
    return errors
