"""What a customer-thread ticket's two threads say of each other (``workflows/tickets/customer_thread.py``).

The customer's thread (in their channel, often a Slack Connect channel shared with
another organisation) only ever gets what is meant for the customer: the ticket's
number, an agent's message sent to them on purpose (naming the agent), the resolution
and the survey. The card's thread (internal) gets a copy of everything said in the
customer's thread, marked as such. Every piece of text people wrote is relayed with
its mentions of people kept and everything else escaped (``workflows.slack_text.relayed_text``):
a ``<!channel>`` written on one side never pings the other.
"""

from __future__ import annotations

from typing import Any

from models.tickets import Ticket
from workflows.block_text import MESSAGE_TEXT_MAX, cap, escape, mrkdwn, user
from workflows.slack_text import relayed_text

__all__ = ["customer_copy_text", "customer_resolution_blocks", "customer_resolution_text", "sent_note_text",
           "sent_to_customer_text"]

RELAYED_MAX = 2800


def customer_copy_text(*, author_id: str, text: str, from_customer: bool, customer: str | None) -> str:
    """The card thread's copy of a message in the customer's thread."""
    who = f"{user(author_id)} ({escape(customer) if customer else 'customer'})" if from_customer else user(author_id)
    where = "in the customer's thread" if from_customer else "replied in the customer's thread"
    mark = ":speech_balloon:" if from_customer else ":outbox_tray:"
    return cap(f"{mark} {who} {where}:\n{relayed_text(text)}", MESSAGE_TEXT_MAX)


def sent_to_customer_text(*, author_id: str, text: str) -> str:
    """An agent's message as the customer reads it in their thread."""
    return cap(f"{user(author_id)} (support): {cap(relayed_text(text), RELAYED_MAX)}", MESSAGE_TEXT_MAX)


def sent_note_text(*, author_id: str, actor_id: str, customer: str | None) -> str:
    """The card thread's note that a message went to the customer."""
    whose = f"{escape(customer)}'s thread" if customer else "the customer's thread"
    by = "" if actor_id == author_id else f" by {user(actor_id)}"
    return f":outbox_tray: {user(author_id)}'s message was sent to {whose}{by}."


def customer_resolution_text(ticket: Ticket) -> str:
    return f"Ticket #{ticket.number} is resolved: {escape(cap(ticket.resolution or '', 200))}"


def customer_resolution_blocks(ticket: Ticket) -> list[dict[str, Any]]:
    """The resolution as the customer reads it: the resolution itself, nothing internal
    (root cause and follow-up stay in the card's thread)."""
    return [{"type": "section", "text": mrkdwn(
        f":white_check_mark: *Ticket #{ticket.number} is resolved.*\n{escape(cap(ticket.resolution or '—', 2800))}\n"
        "If it is still not working, reply in this thread.")}]
