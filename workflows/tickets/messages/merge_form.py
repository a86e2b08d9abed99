"""The merge form (the card's *Merge into…* button): the number of the ticket this one
duplicates, and the parsing of what Slack sends back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from models.tickets import Ticket
from workflows.block_text import cap, mrkdwn, plain
from workflows.tickets.ids import TicketAction, TicketBlock, TicketView

__all__ = ["MergeForm", "build_merge_modal", "parse_merge_form", "validate_merge_form"]

_NUMBER = re.compile(r"#?([0-9]{1,9})")  # ASCII digits only ("١٢" is not a ticket number)
NUMBER_INPUT_MAX = 20


def build_merge_modal(ticket: Ticket) -> dict[str, Any]:
    """One input, labelled "Merge into ticket": the number of the ticket ``ticket`` duplicates."""
    number_input = {"type": "plain_text_input", "action_id": str(TicketAction.MERGE_INTO),
                    "max_length": NUMBER_INPUT_MAX, "placeholder": plain("The ticket number, e.g. 42")}
    return {
        "type": "modal", "callback_id": str(TicketView.MERGE_TICKET), "title": plain(f"Merge #{ticket.number}", 24),
        "submit": plain("Merge"), "close": plain("Cancel"),
        "private_metadata": json.dumps({"ticket_id": ticket.id}),
        "blocks": [
            {"type": "section", "text": mrkdwn(f"*#{ticket.number}* {plain(ticket.summary, 200)['text']}")},
            {"type": "input", "block_id": str(TicketBlock.MERGE_INTO), "label": plain("Merge into ticket"),
             "element": number_input},
            {"type": "context", "elements": [mrkdwn(
                f"#{ticket.number} is resolved as a duplicate of that ticket; both threads link each other, and "
                f"its reporter hears that ticket's resolution (at once, if it is resolved already).")]},
        ],
    }


@dataclass(frozen=True)
class MergeForm:
    ticket_id: int | None  # the duplicate (from private_metadata)
    into: int | None       # the ticket number typed, when it is one
    typed: str             # what was typed, for the error


def parse_merge_form(view: dict[str, Any]) -> MergeForm:
    """Plain values out of the submitted view (anything malformed reads as missing)."""
    values = (view.get("state") or {}).get("values") or {}
    block = values.get(str(TicketBlock.MERGE_INTO))
    state = block.get(str(TicketAction.MERGE_INTO)) if isinstance(block, dict) else None
    typed = state.get("value") if isinstance(state, dict) else None
    typed = typed.strip() if isinstance(typed, str) else ""
    match = _NUMBER.fullmatch(typed)
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):  # a forged view: not JSON, or not even text
        meta = {}
    raw = meta.get("ticket_id") if isinstance(meta, dict) else None
    ticket_id = raw if type(raw) is int and raw > 0 else None  # noqa: E721 - not a bool
    return MergeForm(ticket_id=ticket_id, into=int(match.group(1)) if match else None, typed=typed)


def validate_merge_form(form: MergeForm) -> dict[str, str]:
    """Field errors keyed by block_id for what can be told without the database."""
    if form.ticket_id is None:
        return {str(TicketBlock.MERGE_INTO):
                "This form does not name a ticket; use the Merge into… button on a ticket card."}
    if form.into is None:
        said = f"“{cap(form.typed, NUMBER_INPUT_MAX)}” is not a ticket number. " if form.typed else ""
        return {str(TicketBlock.MERGE_INTO): f"{said}Type the number of the ticket this one duplicates, e.g. 42."}
    return {}
