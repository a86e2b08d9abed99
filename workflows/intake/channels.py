"""Customer channels (``customers[].channels``): a customer's new message is a ticket.

In such a channel (a Slack Connect channel shared with the customer's organisation, or
an internal request channel) every new top-level message by a customer opens a ticket
with ``customer`` set to the channel's customer (``intake.customer_channels: auto``, the
default), or gets *Open a ticket* / *No thanks* in its thread (``ask``); the ticket's
conversation is then that message's thread (``workflows/tickets/customer_thread.py``).

A customer is anyone who is not an agent or an admin (``roles``) or the bot; without
``roles``, anyone whose Slack team is not the workspace's (a Slack Connect guest). Agents
talking at the top level of the channel open nothing.

The offer is posted through the outbox, in the transaction that marks the message's
event processed (so a replayed event posts it once); the click that answers it opens
the ticket (one per message, ``workflows/tickets/from_message.py``) and turns the offer
into what happened, without buttons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from models.deliveries import claim_processing
from workflows.access.roles import roles_of
from workflows.block_text import mrkdwn
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.intake.messages import build_offer_message, declined_text, offer_text, opened_text, parse_offer_value
from workflows.intake.teams import EventTeam
from workflows.outbox.enqueue import deliver_outbox, owe_post
from workflows.policy.intake import CustomerChannelMode
from workflows.slack_reads import read_message
from workflows.slack_text import COUNTED_SUBTYPES
from workflows.tickets.from_message import MessageTicket, SourceMessage, open_ticket_from_message

log = logging.getLogger(__name__)

__all__ = ["CustomerPost", "answer_offer", "customer_post_of", "take_customer_post"]


@dataclass(frozen=True)
class CustomerPost:
    """A person's new top-level message in a customer channel, as plain values."""

    channel_id: str
    ts: str
    user_id: str
    text: str


def customer_post_of(event: dict[str, Any], *, config: Any, bot_user_id: str | None) -> CustomerPost | None:
    """The new top-level message ``event`` is in a customer channel, or None (threads,
    edits and other subtypes, bots, the bot, any other channel)."""
    if event.get("type") != "message" or event.get("bot_id") or event.get("subtype") not in COUNTED_SUBTYPES:
        return None
    values = [event.get(key) for key in ("channel", "user", "ts")]
    if not all(isinstance(value, str) and value for value in values):
        return None
    channel_id, user_id, ts = values
    thread_ts = event.get("thread_ts")
    if (thread_ts is not None and thread_ts != ts) or (bot_user_id and user_id == bot_user_id):
        return None
    if config.customer_of_channel(channel_id) is None:
        return None
    text = event.get("text")
    return CustomerPost(channel_id=channel_id, ts=ts, user_id=user_id, text=text if isinstance(text, str) else "")


async def is_customer(*, deps: Deps, user_id: str, team: EventTeam) -> bool:
    """Whether ``user_id`` writes as the customer (see the module docstring)."""
    if deps.config.roles is not None:
        actor = await roles_of(deps=deps, user_id=user_id)
        return not (actor.is_agent or actor.admin)
    return bool(team.author) and team.author != team.home


async def take_customer_post(*, deps: Deps, team: EventTeam, post: CustomerPost,
                             event_id: str | None = None) -> MessageTicket | None:
    """Open the post's ticket (``auto``) or offer one (``ask``); None when the author is
    not a customer, or when the offer was made."""
    if not await is_customer(deps=deps, user_id=post.user_id, team=team):
        return None
    message = SourceMessage(channel_id=post.channel_id, ts=post.ts, user_id=post.user_id, text=post.text)
    if deps.config.intake.customer_channels == CustomerChannelMode.AUTO:
        return await open_ticket_from_message(deps=deps, team_id=team.home, message=message, opened_by=post.user_id,
                                              via="customer_channel", event_id=event_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        if event_id is not None and not await claim_processing(db, event_id, now):
            return None
        await owe_post(db, channel=post.channel_id, thread_ts=post.ts, now=now, text=offer_text(post.user_id),
                       blocks=build_offer_message(post.channel_id, post.ts, post.user_id))
    await deliver_outbox(deps, lanes=[post.channel_id])
    return None


async def answer_offer(*, deps: Deps, team_id: str, clicker_id: str, channel_id: str | None, value: object,
                       offer_ts: str | None, open_ticket: bool) -> MessageTicket | None:
    """*Open a ticket* (``open_ticket``) or *No thanks* under the message the button's
    value names, in ``channel_id`` (the channel of the click): the ticket, if opened."""
    named = parse_offer_value(value)
    if named is None or named[0] != channel_id or deps.config.customer_of_channel(channel_id) is None:
        raise InvalidRequest("That button is not one we sent.")
    channel_id, ts = named
    opened = None
    if open_ticket:
        try:
            found = await read_message(deps.slack, channel_id, ts)
        except SlackApiError as error:
            log.warning("offer in %s: message %s not read (%s)", channel_id, ts, error.response.get("error"))
            raise InvalidRequest("That message could not be read just now; please try again.") from error
        if found is None:
            raise InvalidRequest("That message is gone; there is nothing to open a ticket from.")
        author = found.get("user") if isinstance(found.get("user"), str) else clicker_id
        text = found.get("text") if isinstance(found.get("text"), str) else ""
        opened = await open_ticket_from_message(
            deps=deps, team_id=team_id, message=SourceMessage(channel_id=channel_id, ts=ts, user_id=author, text=text),
            opened_by=clicker_id, via="ask")
        if opened is None:
            return None
        said = opened_text(opened.ticket.number, clicker_id, created=opened.created)
    else:
        said = declined_text(clicker_id)
    if offer_ts:
        try:  # direct: the answer to the click; the ticket and its note are stored and owed already
            await deps.slack.chat_update(channel=channel_id, ts=offer_ts, text=said,
                                         blocks=[{"type": "section", "text": mrkdwn(said)}])
        except SlackApiError as error:
            log.info("offer %s/%s not updated: %s", channel_id, offer_ts, error.response.get("error"))
    return opened
