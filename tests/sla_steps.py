"""Steps the SLA integration tests share: replies in a ticket's thread, clicks on its
card, `/ticket` answers, firing due notifications, and reading the card back."""

from __future__ import annotations

import itertools

from models.ticket_queries import get_ticket, ticket_events
from models.tickets import Ticket, TicketEvent
from tests.fakes.slack_requests import block_actions_payload
from tests.ticket_steps import mrkdwn_texts
from tests.waiting import drain, until
from workflows.sla.engine import fire_due_notifications
from workflows.tickets.ids import TicketAction

AGENT = "U0AGENT"
TEAM_ID = "T0TEST"
_names = itertools.count(1)


# One waiting helper for every test (tests/waiting.py): ``until`` is imported from here by
# some tests, and ``settle`` is the old name of ``drain``.
settle = drain


async def reload(bot, ticket_id: int) -> Ticket:
    async with bot.runtime.sessions() as db:
        ticket = await get_ticket(db, ticket_id)
    assert ticket is not None
    return ticket


async def timeline(bot, ticket: Ticket, kind: str | None = None) -> list[TicketEvent]:
    async with bot.runtime.sessions() as db:
        return [e for e in await ticket_events(db, ticket.id) if kind is None or e.kind == kind]


async def reply(bot, ticket: Ticket, text: str, *, user: str) -> None:
    """A person replies in the card's thread; wait until the bot has handled it."""
    before = len(await timeline(bot, ticket, "replied"))
    event = bot.slack.add_message(ticket.channel_id, text, user=user, thread_ts=ticket.message_ts)
    answer = await bot.sender.event(event)
    assert answer.status == 200

    async def recorded() -> bool:
        return len(await timeline(bot, ticket, "replied")) > before
    await until(recorded, what="the reply's timeline row")
    await drain(bot)


async def fire(bot) -> int:
    return await fire_due_notifications(deps=bot.runtime.deps)


def card(bot, ticket: Ticket) -> dict:
    return bot.slack.message(ticket.channel_id, ticket.message_ts)


def card_field(bot, ticket: Ticket, title: str) -> str:
    """The text of the card's field ``*title*`` (without the title)."""
    for text in mrkdwn_texts(card(bot, ticket)["blocks"]):
        if text.startswith(f"*{title}*\n"):
            return text.split("\n", 1)[1]
    raise AssertionError(f"the card of #{ticket.number} has no field {title!r}")


def card_buttons(bot, ticket: Ticket) -> list[str]:
    return [e["text"]["text"] for b in card(bot, ticket)["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["type"] == "button"]


def thread_texts(bot, ticket: Ticket, word: str = "") -> list[str]:
    return [m.get("text") or "" for m in bot.slack.thread(ticket.channel_id, ticket.message_ts)
            if word in (m.get("text") or "")]


async def click(bot, ticket: Ticket, action: TicketAction, user_id: str = AGENT) -> dict | None:
    """Click a card button; return the private answer when there is one, else None."""
    name = f"click{next(_names)}"
    updates = len(bot.slack.calls_to("chat.update"))
    payload = block_actions_payload(str(action), str(ticket.id), user_id=user_id, channel_id=ticket.channel_id,
                                    message=card(bot, ticket), response_url=bot.slack.response_url(name))
    answer = await bot.sender.interactive(payload)
    assert answer.status == 200, answer.text
    await drain(bot)
    if bot.slack.responses[name]:
        return bot.slack.responses[name][-1]
    await bot.slack.wait_for("chat.update", count=updates + 1)
    return None


async def ask(bot, text: str, *, user_id: str = AGENT) -> dict:
    """`/ticket text`; the one ephemeral answer posted to its response_url."""
    name = f"ask{next(_names)}"
    answer = await bot.sender.slash("/ticket", text, user_id=user_id, channel_id="C0GENERAL",
                                    response_url=bot.slack.response_url(name))
    assert answer.status == 200
    [response] = await bot.slack.wait_for_response(name)
    assert response["response_type"] == "ephemeral"
    await drain(bot)
    return response


def shown(answer: dict) -> str:
    return "\n".join([answer.get("text", "")] + mrkdwn_texts(answer.get("blocks", [])))
