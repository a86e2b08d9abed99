"""The Resolve modal: what it asks, how its submission is read and checked.

The card's Resolve button opens it with the ticket's id in ``private_metadata``. Its
inputs are labelled exactly Resolution (required), Root cause and Follow-up needed
(both optional), and, with a knowledge base configured, a "Knowledge base" checkbox
"Add to knowledge base" (a draft article is written after resolving). Slack sends ``"value": null`` for an empty input and a submission can
be forged, so :func:`validate_resolve_form` checks everything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.tickets.ids import TicketAction, TicketBlock, TicketView
from models.tickets import Ticket
from workflows.block_text import MODAL_TITLE_MAX, cap, escape, mrkdwn, plain
from workflows.button_values import parse_row_id

RESOLUTION_MAX = 3000
ROOT_CAUSE_MAX = 2000
FOLLOW_UP_MAX = 2000
ADD_TO_KB_VALUE = "draft"

__all__ = [
    "FOLLOW_UP_MAX",
    "RESOLUTION_MAX",
    "ROOT_CAUSE_MAX",
    "ResolutionForm",
    "build_resolve_modal",
    "parse_resolve_form",
    "resolve_modal_ticket_id",
    "validate_resolve_form",
]


@dataclass(frozen=True)
class ResolutionForm:
    """What the resolver wrote; optional fields are None when left empty."""

    resolution: str
    root_cause: str | None = None
    follow_up: str | None = None
    add_to_kb: bool = False  # "Add to knowledge base" ticked: draft an article


def _text_input(action: TicketAction, max_length: int, placeholder: str) -> dict[str, Any]:
    return {
        "type": "plain_text_input", "action_id": str(action), "multiline": True, "max_length": max_length,
        "placeholder": plain(placeholder, 150),
    }


def _input(block: TicketBlock, label: str, element: dict[str, Any], *, optional: bool) -> dict[str, Any]:
    return {"type": "input", "block_id": str(block), "label": plain(label), "element": element, "optional": optional}


def _add_to_kb_input() -> dict[str, Any]:
    option = {"text": plain("Add to knowledge base"), "value": ADD_TO_KB_VALUE,
              "description": plain("Draft an article from the summary and the resolution, for review", 75)}
    return _input(TicketBlock.ADD_TO_KB, "Knowledge base",
                  {"type": "checkboxes", "action_id": str(TicketAction.ADD_TO_KB), "options": [option]}, optional=True)


def build_resolve_modal(ticket: Ticket, *, knowledge_base: bool = False) -> dict[str, Any]:
    """The modal the Resolve button opens for ``ticket`` (its id travels in private_metadata).
    With ``knowledge_base`` (app.yaml has the section) it offers "Add to knowledge base"."""
    about = f"*#{ticket.number}* {escape(cap(ticket.summary, 200))}"
    modal = {
        "type": "modal",
        "callback_id": str(TicketView.RESOLVE_TICKET),
        "title": plain(f"Resolve #{ticket.number}", MODAL_TITLE_MAX),
        "submit": plain("Resolve"),
        "close": plain("Cancel"),
        "private_metadata": str(ticket.id),
        "blocks": [
            {"type": "section", "text": mrkdwn(about)},
            _input(TicketBlock.RESOLUTION, "Resolution",
                   _text_input(TicketAction.RESOLUTION, RESOLUTION_MAX, "What fixed it, in words the reporter understands"),
                   optional=False),
            _input(TicketBlock.ROOT_CAUSE, "Root cause",
                   _text_input(TicketAction.ROOT_CAUSE, ROOT_CAUSE_MAX, "Why it happened, if known"), optional=True),
            _input(TicketBlock.FOLLOW_UP, "Follow-up needed",
                   _text_input(TicketAction.FOLLOW_UP, FOLLOW_UP_MAX, "Anything still to do, and who does it"),
                   optional=True),
        ],
    }
    if knowledge_base:
        modal["blocks"].append(_add_to_kb_input())
    return modal


def _value(values: dict[str, Any], block: TicketBlock, action: TicketAction) -> str | None:
    state = values.get(str(block))
    state = state.get(str(action)) if isinstance(state, dict) else None
    value = state.get("value") if isinstance(state, dict) else None
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _ticked(values: dict[str, Any], block: TicketBlock, action: TicketAction, value: str) -> bool:
    state = values.get(str(block))
    state = state.get(str(action)) if isinstance(state, dict) else None
    selected = state.get("selected_options") if isinstance(state, dict) else None
    return isinstance(selected, list) and any(isinstance(o, dict) and o.get("value") == value for o in selected)


def parse_resolve_form(state_values: dict[str, Any]) -> ResolutionForm:
    """Plain values out of ``view.state.values`` (missing or null inputs become empty)."""
    return ResolutionForm(
        resolution=_value(state_values, TicketBlock.RESOLUTION, TicketAction.RESOLUTION) or "",
        root_cause=_value(state_values, TicketBlock.ROOT_CAUSE, TicketAction.ROOT_CAUSE),
        follow_up=_value(state_values, TicketBlock.FOLLOW_UP, TicketAction.FOLLOW_UP),
        add_to_kb=_ticked(state_values, TicketBlock.ADD_TO_KB, TicketAction.ADD_TO_KB, ADD_TO_KB_VALUE),
    )


def validate_resolve_form(form: ResolutionForm) -> dict[str, str]:
    """Field errors keyed by block_id (``response_action: errors``); empty when valid."""
    errors: dict[str, str] = {}
    if not form.resolution:
        errors[str(TicketBlock.RESOLUTION)] = "Please say how the ticket was resolved."
    elif len(form.resolution) > RESOLUTION_MAX:
        errors[str(TicketBlock.RESOLUTION)] = f"Keep the resolution to {RESOLUTION_MAX} characters."
    if form.root_cause and len(form.root_cause) > ROOT_CAUSE_MAX:
        errors[str(TicketBlock.ROOT_CAUSE)] = f"Keep the root cause to {ROOT_CAUSE_MAX} characters."
    if form.follow_up and len(form.follow_up) > FOLLOW_UP_MAX:
        errors[str(TicketBlock.FOLLOW_UP)] = f"Keep the follow-up to {FOLLOW_UP_MAX} characters."
    return errors


def resolve_modal_ticket_id(private_metadata: str | None) -> int | None:
    """The ticket id the modal was opened for; None when the metadata is not one."""
    return parse_row_id(private_metadata) if isinstance(private_metadata, str) else None
