"""What sending one outbox row means: its Slack call(s), the channel whose posting
budget it spends, and what its success records.

``prepare_delivery(db, deps, row)`` runs in the transaction that leased the row and
resolves what was not known when the row was owed (a ticket's thread, its card as it
is now, an incident's war room…); it returns a ``Delivery``, or None when there is
nothing left to send. Posts and ticket cards are prepared here (the card rendered by
``Deps.outbox_renderers``); the kinds other rooms own (a war room's steps, a page's
messages, a report and its chart) by those rooms, which the outbox does not import
(they use it): each declares its ``OUTBOX_STEPS`` and the composition root passes them
in ``Deps.outbox_steps`` (``bot/runtime.py``).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import DIGEST, OutboxKind, OutboxMessage
from models.ticket_queries import get_ticket, record_card, record_card_permalink
from workflows.deps import Deps
from workflows.outbox.calls import Answer, Delivery, SlackCall, call_delivery
from workflows.outbox.errors import NETWORK_ERRORS

log = logging.getLogger(__name__)

__all__ = ["prepare_delivery"]

#: Payload keys for the relay, not for Slack (``card_link``: ``workflows.outbox.enqueue.CARD_LINK``).
_NOT_SLACK_ARGS = frozenset({"in_thread", DIGEST, "card_link"})
_CARD_LINK_TEXT = "{card}"
#: The kinds prepared here; the others are other rooms' (``Deps.outbox_steps``).
_OWN_KINDS = frozenset({OutboxKind.POST, OutboxKind.TICKET_CARD, OutboxKind.CARD_UPDATE, OutboxKind.UPDATE})


async def prepare_delivery(db: AsyncSession, deps: Deps, row: OutboxMessage) -> Delivery | None:
    """The delivery of ``row``, resolving what was not known when it was owed."""
    step = deps.outbox_steps.get(row.kind)
    if step is not None:
        return await step(db, deps, row)
    if row.kind not in _OWN_KINDS:  # a wiring fault: the relay leaves it to its lease, and logs this
        raise LookupError(f"no outbox step for {row.kind.value!r} rows in Deps.outbox_steps")
    if row.kind == OutboxKind.POST:
        args = {k: v for k, v in row.payload.items() if k not in _NOT_SLACK_ARGS}
        if row.payload.get("in_thread") and row.ticket_id is not None:
            ticket = await get_ticket(db, row.ticket_id)
            if ticket is not None and ticket.message_ts:
                args.update(channel=ticket.channel_id, thread_ts=ticket.message_ts)
            # else: the card was never posted (Slack refused it): the note goes to the channel
        if row.payload.get("card_link") and row.ticket_id is not None:
            args["text"] = await _with_card_link(db, row.ticket_id, str(args.get("text") or ""))
        return call_delivery(SlackCall("chat.postMessage", args))
    if row.kind == OutboxKind.UPDATE:
        return call_delivery(SlackCall("chat.update", {k: v for k, v in row.payload.items() if k not in _NOT_SLACK_ARGS}))
    ticket = await get_ticket(db, row.ticket_id) if row.ticket_id is not None else None
    if ticket is None:
        return None
    if deps.outbox_renderers is None:  # a wiring fault: the relay leaves it to its lease, and logs this
        raise LookupError("no card renderer in Deps.outbox_renderers")
    text, blocks = deps.outbox_renderers.ticket_card(ticket, deps.config, deps.clock())
    if row.kind == OutboxKind.TICKET_CARD:
        if ticket.message_ts:
            return None  # posted already
        ticket_id = ticket.id

        async def record(db: AsyncSession, answer: Answer) -> None:
            await record_card(db, ticket_id, channel_id=str(answer["channel"]), message_ts=str(answer["ts"]))

        async def permalink(answer: Answer) -> None:
            await _record_permalink(deps, ticket_id, str(answer["channel"]), str(answer["ts"]))

        return call_delivery(SlackCall("chat.postMessage", {
            "channel": ticket.channel_id, "text": text, "blocks": blocks,
            "unfurl_links": False}), record=record, after_commit=permalink)
    if not ticket.message_ts:
        return None  # the card, when it is posted, is rendered from the current state anyway
    return call_delivery(SlackCall("chat.update", {"channel": ticket.channel_id, "ts": ticket.message_ts,
                                                   "text": text, "blocks": blocks}))


async def _with_card_link(db: AsyncSession, ticket_id: int, text: str) -> str:
    """``text`` with its last ``{card}`` made a link to the ticket's card (its channel
    when the card's link is not known yet)."""
    ticket = await get_ticket(db, ticket_id)
    if ticket is None or _CARD_LINK_TEXT not in text:
        return text
    where = (f"<{ticket.permalink}|card>" if ticket.permalink
             else f"card in <#{ticket.channel_id}>" if ticket.channel_id else "card")
    head, tail = text.rsplit(_CARD_LINK_TEXT, 1)
    return f"{head}{where}{tail}"


async def _record_permalink(deps: Deps, ticket_id: int, channel: str, ts: str) -> None:
    try:
        permalink = (await deps.slack.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except (SlackApiError, *NETWORK_ERRORS) as error:
        log.info("no permalink for the card of ticket %s: %s", ticket_id, error)
        return
    if permalink:
        async with deps.sessions.begin() as db:
            await record_card_permalink(db, ticket_id, permalink)
