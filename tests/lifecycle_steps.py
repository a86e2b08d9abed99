"""Steps the lifecycle's integration tests share (#19): a policy with the new keys, `/ticket`
answers, clicks on a card, DMs, and reading a ticket back."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from models.ticket_queries import get_ticket_by_number
from models.tickets import Ticket, TicketEvent
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.policies import example_policy_data
from tests.ticket_steps import mrkdwn_texts
from tests.waiting import drain, until
from workflows.policy.loader import parse_config
from workflows.policy.schema import AppConfig
from workflows.tickets.ids import TicketAction

TEAM_ID = "T0TEST"
AGENT = "U0AGENT01"       # tier1 (Frontline) member in the example policy
AGENT2 = "U0AGENT02"      # tier1
TECH = "U0AGENT03"        # tier2 (Technical)
TRIAGE_CHANNEL, TIER1_CHANNEL, TIER2_CHANNEL = "C0TRIAGE01", "C0TIER1FL", "C0TIER2TS"
_names = itertools.count(1)


def policy(change=None) -> AppConfig:
    """The example app.yaml, changed by ``change(data)`` first."""
    data = example_policy_data()
    if change is not None:
        change(data)
    return parse_config(data)


def tier(data: dict[str, Any], tier_id: str) -> dict[str, Any]:
    return next(t for t in data["tiers"] if t["id"] == tier_id)


async def ask(bot, text: str, *, user_id: str, channel_id: str = "C0GENERAL") -> str:
    """`/ticket text` by ``user_id``: the one ephemeral answer's text."""
    name = f"life{next(_names)}"
    reply = await bot.sender.slash("/ticket", text, user_id=user_id, channel_id=channel_id,
                                   response_url=bot.slack.response_url(name))
    assert reply.status == 200, reply.text
    [answer] = await bot.slack.wait_for_response(name)
    await drain(bot)
    return answer["text"]


async def stored(bot, number: int) -> Ticket:
    async with bot.runtime.sessions() as db:
        ticket = await get_ticket_by_number(db, TEAM_ID, number)
    assert ticket is not None
    return ticket


async def rows(bot, number: int, kind: str | None = None) -> list[TicketEvent]:
    ticket = await stored(bot, number)
    async with bot.runtime.sessions() as db:
        found = await db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        return [e for e in found.scalars() if kind is None or e.kind == kind]


async def kinds(bot, number: int) -> list[str]:
    return [str(e.kind) for e in await rows(bot, number)]


def card(bot, ticket: Ticket) -> dict:
    return bot.slack.message(ticket.channel_id, ticket.message_ts)


def card_text(bot, ticket: Ticket) -> str:
    return "\n".join(mrkdwn_texts(card(bot, ticket)["blocks"]))


def thread_texts(bot, channel: str, ts: str) -> list[str]:
    return [m.get("text", "") for m in bot.slack.thread(channel, ts)]


def dms(bot, user_id: str) -> list[dict]:
    """The DMs the bot sent ``user_id`` (chat.postMessage to their user id), oldest first."""
    return [c.args for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == user_id and c.ok]


async def click_card(bot, ticket: Ticket, action: TicketAction, user_id: str, value: str | None = None,
                     answer: str | None = None) -> None:
    """A click on (or a choice in) the ticket's card; waits for what the bot does after it."""
    message = card(bot, ticket)
    payload = block_actions_payload(str(action), value if value is not None else str(ticket.id), user_id=user_id,
                                    channel_id=ticket.channel_id, message=message,
                                    response_url=bot.slack.response_url(answer) if answer else None)
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text
    await drain(bot)


async def submit_view(bot, view: dict, values: dict, user_id: str):
    reply = await bot.sender.interactive(view_submission_payload(view, view_state(view, values), user_id=user_id))
    await drain(bot)
    return reply


async def wait_for_card(bot, number: int, channel: str) -> Ticket:
    """The ticket once its card is posted in ``channel`` (a move posts a new one)."""
    async def posted() -> Ticket | None:
        async with bot.runtime.sessions() as db:
            ticket = await get_ticket_by_number(db, TEAM_ID, number)
        return ticket if ticket and ticket.channel_id == channel and ticket.message_ts and ticket.permalink else None
    return await until(posted, what=f"the card of #{number} in {channel}")


async def resolve(bot, ticket: Ticket, *, user_id: str = AGENT, resolution: str = "Reset the password") -> None:
    """The card's Resolve button, then the form submitted, as an agent does it."""
    opened = len(bot.slack.calls_to("views.open"))
    await click_card(bot, ticket, TicketAction.RESOLVE, user_id)
    await bot.slack.wait_for("views.open", count=opened + 1)
    reply = await submit_view(bot, bot.slack.latest_view(), {"Resolution": resolution}, user_id=user_id)
    assert reply.status == 200 and not reply.body, reply.body


def dm_messages(bot, user_id: str) -> list[dict]:
    """The DMs the bot sent ``user_id``, as they are now in the fake (after any chat.update)."""
    return [bot.slack.message(c.response["channel"], c.response["ts"]) for c in bot.slack.calls_to("chat.postMessage")
            if c.args.get("channel") == user_id and c.ok]


async def click_dm(bot, message: dict, action: TicketAction, user_id: str) -> None:
    """A click on a button of a DM the bot sent."""
    [element] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == str(action)]
    payload = block_actions_payload(str(action), element["value"], user_id=user_id, channel_id=message["channel"],
                                    message=message)
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text
    await drain(bot)
