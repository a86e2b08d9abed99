"""Private tickets: which tickets are private, and hiding their details from the others.

A ticket is private when it was opened from a message in a private conversation (a
private channel, a DM or a group DM: the message shortcut, or "Open a ticket" under a
knowledge-base answer), or when "Private ticket" was ticked on the form. Whoever asks
for a ticket (`/ticket #N`, `/ticket queue`, the App Home queues) sees a private one's
summary, description and customer only when ``workflows.access.authority.may_see_ticket``
allows: its reporter, its assignee, admins, people on call and, with roles, every
agent; without roles, the members of its tier (of any tier while it is in triage).
Anyone else gets "Ticket #N is private", or a list line without the summary.

    actor = await roles_of(deps=deps, user_id=user_id)
    if not visible_to(actor, ticket): return {"text": private_ticket_text(ticket.number)}
    hidden = hidden_ticket_ids(actor, tickets)      # lines shown without details

The look-ups take the asker as a ``Viewer`` (``partial(roles_of, deps=deps,
user_id=user_id)``), asked only when a private ticket is in what they show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from models.tickets import Ticket
from workflows.access.authority import ActorRoles, may_see_ticket

log = logging.getLogger(__name__)

__all__ = ["LOOKUP_TIMEOUT", "Viewer", "hidden_ticket_ids", "is_private_conversation", "private_ticket_text",
           "visible_to"]

#: Who asks to see tickets: their roles, looked up when first needed.
Viewer = Callable[[], Awaitable[ActorRoles]]

#: How long to wait for conversations.info before the modal must open (its trigger lives 3 s).
LOOKUP_TIMEOUT = 1.0


async def is_private_conversation(slack: AsyncWebClient, channel_id: str) -> bool:
    """Whether ``channel_id`` is a private channel, a DM or a group DM (conversations.info).

    When Slack cannot say (``channel_not_found``: a private channel the bot is not in; a
    missing scope; no answer within ``LOOKUP_TIMEOUT``) the answer is True: a ticket
    made private by mistake is shown to fewer people, never to more."""
    if channel_id.startswith("D"):
        return True
    try:
        info = await asyncio.wait_for(slack.conversations_info(channel=channel_id), LOOKUP_TIMEOUT)
    except SlackApiError as error:
        log.info("conversations.info %s: %s; the ticket from it is private", channel_id, error.response.get("error"))
        return True
    except (ClientError, asyncio.TimeoutError) as error:
        log.warning("conversations.info %s unanswered (%s); the ticket from it is private", channel_id,
                    type(error).__name__)
        return True
    channel = info.get("channel") or {}
    return bool(channel.get("is_private") or channel.get("is_im") or channel.get("is_mpim"))


def visible_to(actor: ActorRoles, ticket: Ticket) -> bool:
    """Whether ``actor`` may see ``ticket``'s details."""
    return may_see_ticket(actor, private=bool(ticket.private), reporter_id=ticket.reporter_id,
                          assignee_id=ticket.assignee_id, tier=ticket.tier)


def hidden_ticket_ids(actor: ActorRoles, tickets: Iterable[Ticket]) -> frozenset[int]:
    """The ids of the ``tickets`` that ``actor`` may not see the details of."""
    return frozenset(ticket.id for ticket in tickets if not visible_to(actor, ticket))


def private_ticket_text(number: int) -> str:
    return (f"Ticket #{number} is private: only its reporter, whoever works on it and the support desk "
            "can see its details.")
