"""Owing messages to Slack, in the transaction of the change that owes them.

    async with deps.sessions.begin() as db:
        ticket.resolution = form.resolution
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=f"{user(actor)} resolved #{ticket.number}.", now=now)
    await deliver_outbox(deps)          # at once when Slack answers; else the relay retries

The change and its messages commit together, so a crash after the commit loses no
message and a rolled-back change sends none. Cards are rendered when they are sent, from
the ticket as it then is, so a card posted late still shows the ticket's current state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import DIGEST, OutboxKind, enqueue
from models.tickets import Ticket
from workflows.deps import Deps
from workflows.outbox.relay import deliver_outbox

__all__ = ["CARD_LINK", "CARD_LINK_TEXT", "deliver_outbox", "owe_card", "owe_card_link_post", "owe_card_update",
           "owe_post", "owe_thread_post", "owe_update", "send_post"]

#: A post owed with ``{CARD_LINK: True}`` and a ``ticket_id`` has the last ``CARD_LINK_TEXT``
#: of its text replaced, when it is sent, by a link to that ticket's card (owe it in the
#: card's lane, after the card, so that the card's link is known by then).
CARD_LINK = "card_link"
CARD_LINK_TEXT = "{card}"


def _message(text: str, blocks: list | None, extra: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text, "unfurl_links": False, **extra}
    if blocks:
        payload["blocks"] = blocks
    return payload


async def owe_post(db: AsyncSession, *, channel: str, text: str, now: datetime, blocks: list | None = None,
                   digest: dict[str, str] | None = None, **extra: Any) -> None:
    """chat.postMessage to ``channel`` (``extra``: thread_ts, reply_broadcast…). With
    ``digest`` (a mark such as ``sla_digest_mark(kind)``), the post may go out folded
    into one message with others of its group waiting for the channel at the same time
    (``workflows/outbox/relay.py``); alone, it goes out as owed."""
    payload = {"channel": channel, **_message(text, blocks, extra)}
    if digest is not None:
        payload[DIGEST] = digest
    await enqueue(db, lane=channel, kind=OutboxKind.POST, now=now, payload=payload)


async def send_post(deps: Deps, *, channel: str, text: str, blocks: list | None = None, **extra: Any) -> None:
    """A post owed on its own, after the change that owes it committed (a DM to the person
    who acted, an answer in a thread): owed in a transaction of its own, then sent at once
    when Slack answers; else the relay retries it like any other (``channel``: a user id
    for a DM)."""
    async with deps.sessions.begin() as db:
        await owe_post(db, channel=channel, text=text, blocks=blocks, now=deps.clock(), **extra)
    await deliver_outbox(deps, lanes=[channel])


async def owe_thread_post(db: AsyncSession, ticket: Ticket, *, text: str, now: datetime,
                          blocks: list | None = None) -> None:
    """A reply in the ticket card's thread; the thread is looked up when it is sent, so
    a post owed before the card went out still lands under it."""
    if not ticket.channel_id:
        return
    await enqueue(db, lane=ticket.channel_id, kind=OutboxKind.POST, now=now, ticket_id=ticket.id,
                  payload={"channel": ticket.channel_id, "in_thread": True, **_message(text, blocks, {})})


async def owe_card_link_post(db: AsyncSession, ticket: Ticket, *, channel: str, thread_ts: str, text: str,
                             now: datetime) -> None:
    """A reply in the thread of ``thread_ts`` in ``channel`` (not the card's) whose last
    ``CARD_LINK_TEXT`` becomes a link to the ticket's card when it is sent; owed in the
    card's lane, after the card, so that the card's link is known by then."""
    await enqueue(db, lane=ticket.channel_id or channel, kind=OutboxKind.POST, now=now, ticket_id=ticket.id,
                  payload={"channel": channel, "thread_ts": thread_ts, CARD_LINK: True, **_message(text, None, {})})


async def owe_update(db: AsyncSession, *, channel: str, ts: str, text: str, now: datetime,
                     blocks: list | None = None) -> None:
    """chat.update of a message of ours (``channel``, ``ts``) to ``text``/``blocks``, as owed."""
    payload = {"channel": channel, "ts": ts, "text": text, **({"blocks": blocks} if blocks else {})}
    await enqueue(db, lane=channel, kind=OutboxKind.UPDATE, now=now, payload=payload)


async def owe_card(db: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """Post the ticket's card to its channel and record where it went."""
    assert ticket.channel_id, "a ticket is routed to a channel before its card is owed"
    await enqueue(db, lane=ticket.channel_id, kind=OutboxKind.TICKET_CARD, now=now, ticket_id=ticket.id, payload={})


async def owe_card_update(db: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """Re-render the card in place; a newer update owed before this one went out replaces it."""
    if not ticket.channel_id:
        return
    await enqueue(db, lane=ticket.channel_id, kind=OutboxKind.CARD_UPDATE, now=now, ticket_id=ticket.id,
                  payload={}, coalesce_key=f"card:{ticket.id}")
