"""The satisfaction survey DMed to the reporter after a resolution, and its thank-you.

Five buttons, 1 (poor) to 5 (great), in one actions block (``TicketBlock.CSAT``). Slack wants
distinct action_ids inside a block, so each button has its own (``RATING_ACTIONS``);
every button's value is ``"<ticket_id>:<rating>"``, read back by
:func:`parse_rating_value`.
"""

from __future__ import annotations

from typing import Any

from models.tickets import Ticket
from workflows.block_text import cap, escape, mrkdwn, plain
from workflows.button_values import parse_row_id
from workflows.errors import InvalidRequest
from workflows.tickets.ids import TicketAction, TicketBlock

RATINGS = range(1, 6)
RATING_ACTIONS: dict[int, TicketAction] = {
    1: TicketAction.CSAT_RATE_1, 2: TicketAction.CSAT_RATE_2, 3: TicketAction.CSAT_RATE_3,
    4: TicketAction.CSAT_RATE_4, 5: TicketAction.CSAT_RATE_5,
}
#: Every action_id a rating click may carry (the plain ``CSAT_RATE`` too).
CSAT_ACTION_IDS: tuple[TicketAction, ...] = (TicketAction.CSAT_RATE, *RATING_ACTIONS.values())
_LABELS = {1: "1 · Poor", 2: "2", 3: "3", 4: "4", 5: "5 · Great"}

__all__ = [
    "CSAT_ACTION_IDS",
    "RATINGS",
    "RATING_ACTIONS",
    "build_csat_survey_message",
    "build_csat_thanks_message",
    "csat_survey_text",
    "csat_thanks_text",
    "parse_rating_value",
    "rating_value",
]


def rating_value(ticket_id: int, rating: int) -> str:
    return f"{ticket_id}:{rating}"


def parse_rating_value(value: str | None) -> tuple[int, int]:
    """``(ticket_id, rating)`` from a button value; InvalidRequest when it is not one of ours."""
    ticket, _, rating = (value if isinstance(value, str) else "").partition(":")
    ticket_id = parse_row_id(ticket)
    if ticket_id is None or rating not in [str(r) for r in RATINGS]:
        raise InvalidRequest("That rating button is not one we sent; please use the survey in your DM.")
    return ticket_id, int(rating)


def csat_survey_text(ticket: Ticket) -> str:
    return f"How did we do on #{ticket.number} ({escape(cap(ticket.summary, 150))})? Rate us from 1 to 5."


def build_csat_survey_message(ticket: Ticket) -> list[dict[str, Any]]:
    """The survey: the question, then five rating buttons."""
    buttons = [
        {"type": "button", "text": plain(_LABELS[r]), "action_id": str(RATING_ACTIONS[r]),
         "value": rating_value(ticket.id, r)}
        for r in RATINGS
    ]
    question = (f"*How did we do on #{ticket.number}?*\n{escape(cap(ticket.summary, 150))}\n"
                "Your ticket was resolved. Please rate the help you got, from 1 (poor) to 5 (great).")
    return [
        {"type": "section", "text": mrkdwn(question)},
        {"type": "actions", "block_id": str(TicketBlock.CSAT), "elements": buttons},
    ]


def csat_thanks_text(ticket: Ticket, rating: int) -> str:
    return f"Thanks — you rated #{ticket.number} {rating}/5."


def build_csat_thanks_message(ticket: Ticket, rating: int) -> list[dict[str, Any]]:
    """What the survey becomes once rated: the thanks, without buttons."""
    return [
        {"type": "section", "text": mrkdwn(f":pray: {csat_thanks_text(ticket, rating)}")},
        {"type": "context", "elements": [mrkdwn(escape(cap(ticket.summary, 150)))]},
    ]
