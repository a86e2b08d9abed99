"""What intake says in a customer's thread: the offer to open a ticket, and its answers.

Pure builders; the customer reads every one of them, so they name nothing internal
(no card link, no tier or channel of the desk)."""

from __future__ import annotations

from typing import Any

from workflows.block_text import mrkdwn, plain, user
from workflows.intake.ids import IntakeAction, IntakeBlock

__all__ = ["build_offer_message", "declined_text", "offer_text", "offer_value", "opened_text", "parse_offer_value"]


def offer_value(channel_id: str, ts: str) -> str:
    return f"{channel_id}:{ts}"


def parse_offer_value(value: object) -> tuple[str, str] | None:
    """``(channel, ts)`` from a button value, or None when it is not one of ours."""
    if not isinstance(value, str):
        return None
    channel, _, ts = value.partition(":")
    if not channel or not ts or len(value) > 100:
        return None
    return channel, ts


def offer_text(author_id: str) -> str:
    return f"{user(author_id)}, should we open a support ticket for this?"


def build_offer_message(channel_id: str, ts: str, author_id: str) -> list[dict[str, Any]]:
    """The question under a customer's message, with *Open a ticket* and *No thanks*."""
    value = offer_value(channel_id, ts)
    return [
        {"type": "section", "text": mrkdwn(f"{offer_text(author_id)} The support team will answer in this thread.")},
        {"type": "actions", "block_id": str(IntakeBlock.OFFER), "elements": [
            {"type": "button", "text": plain("Open a ticket"), "action_id": str(IntakeAction.OPEN_TICKET),
             "value": value, "style": "primary"},
            {"type": "button", "text": plain("No thanks"), "action_id": str(IntakeAction.NO_THANKS), "value": value},
        ]},
    ]


def opened_text(number: int, clicker_id: str, *, created: bool) -> str:
    if not created:
        return f"This message is ticket *#{number}* already. The support team will answer in this thread."
    return (f"{user(clicker_id)} opened ticket *#{number}* for this message. "
            "The support team will answer in this thread.")


def declined_text(clicker_id: str) -> str:
    return f"No ticket for this message ({user(clicker_id)} said no thanks)."
