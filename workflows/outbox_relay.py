"""The outbox relay: sends what ``workflows/outbox.py`` owed, in order, once.

It finds the lanes (channels) whose oldest pending row is due and drains them side by
side; within a lane it leases the oldest row (one conditional UPDATE), sends it, marks
it sent, and goes on with the next, until the lane is empty, must wait, or is held by
another relay. What Slack answers decides what happens next:

- ok: marked sent; a ticket card's channel and ts go on the ticket (its thread).
- 429 / ``ratelimited``: the lane waits ``Retry-After`` seconds.
- 5xx, ``internal_error``-like answers, timeouts, refused connections: the lane waits
  1 s, 2 s, 4 s … up to 5 minutes between tries; after a day it gives up (logged).
- Any other error (``channel_not_found``, ``invalid_blocks`` …) will not get better:
  the row is marked failed with Slack's error, logged, and the lane goes on.

A relay that dies mid-send leaves its lease to expire (``LEASE``); another relay then
sends the row. Slack has no idempotency key, so a crash in the instant between Slack's
answer and the mark can repeat that one message; nothing else can double or be lost.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from models.outbox import (
    OutboxKind,
    OutboxMessage,
    claim_head,
    due_lanes,
    mark_failed,
    mark_sent,
    postpone,
)
from models.ticket_queries import get_ticket, record_card, record_card_permalink
from workflows.blocks.ticket_card import build_ticket_card, ticket_fallback_text
from workflows.deps import Deps

log = logging.getLogger(__name__)

__all__ = ["LEASE", "GIVE_UP_AFTER", "deliver_outbox", "retry_delay"]

LEASE = timedelta(seconds=30)  # longer than one send can take: the pacer (~1 s) and the 10 s call timeout
GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = timedelta(minutes=5)
DEFAULT_RETRY_AFTER = timedelta(seconds=30)
#: Slack answers that mean "try again later" although the HTTP status may be 200.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout"})
_NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
MAX_PER_LANE = 1000


@dataclass(frozen=True)
class SlackCall:
    method: str        # "chat.postMessage" or "chat.update"
    args: dict[str, Any]


def retry_delay(error: SlackApiError, attempts: int) -> timedelta | None:
    """How long the lane waits before trying again; None: the error is final."""
    status = getattr(error.response, "status_code", 200)
    code = error.response.get("error") if hasattr(error.response, "get") else None
    if status == 429 or code == "ratelimited":
        try:
            return timedelta(seconds=max(1, int(error.response.headers.get("Retry-After", ""))))
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
    if status >= 500 or code in TRANSIENT_ERRORS:
        return backoff(attempts)
    return None


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** max(0, min(attempts - 1, 16))))


async def deliver_outbox(deps: Deps) -> int:
    """Send every owed message that is due now; how many were sent. The lanes go side
    by side; within one lane, one row after another until it is empty or must wait."""
    async with deps.sessions() as db:
        lanes = await due_lanes(db, deps.clock())
    if not lanes:
        return 0
    slack = relay_client(deps.slack)
    return sum(await asyncio.gather(*(_drain_lane(deps, slack, lane) for lane in lanes)))


async def _drain_lane(deps: Deps, slack: AsyncWebClient, lane: str) -> int:
    sent = 0
    for _ in range(MAX_PER_LANE):
        outcome = await _send_next(deps, slack, lane)
        if outcome == "sent":
            sent += 1
        elif outcome != "failed":
            break  # empty, waiting for a retry, or held by another relay
    return sent


async def _send_next(deps: Deps, slack: AsyncWebClient, lane: str) -> str:
    """"sent", "failed" (for good), "later" (postponed) or "idle" (nothing this relay may send)."""
    try:
        async with deps.sessions.begin() as db:
            row = await claim_head(db, lane, deps.clock(), LEASE)
            if row is None:
                return "idle"
            call = await _prepare(db, deps, row)
    except Exception:
        log.exception("the next outbox message of %s could not be prepared; it is retried after its lease", lane)
        return "idle"
    if call is None:  # nothing left to do (a card update for a card that was never posted)
        async with deps.sessions.begin() as db:
            await mark_sent(db, row.id, deps.clock(), None)
        return "sent"
    try:
        response = await _call(slack, call)
    except SlackApiError as error:
        return await _after_error(deps, row, str(error.response.get("error") or error.response.status_code),
                                  retry_delay(error, row.attempts))
    except _NETWORK_ERRORS as error:
        return await _after_error(deps, row, type(error).__name__, backoff(row.attempts))
    async with deps.sessions.begin() as db:
        await mark_sent(db, row.id, deps.clock(), response.get("ts"))
        if row.kind == OutboxKind.TICKET_CARD and row.ticket_id is not None:
            await record_card(db, row.ticket_id, channel_id=str(response["channel"]), message_ts=str(response["ts"]))
    if row.kind == OutboxKind.TICKET_CARD and row.ticket_id is not None:
        await _record_permalink(deps, row.ticket_id, str(response["channel"]), str(response["ts"]))
    return "sent"


def relay_client(slack: AsyncWebClient) -> AsyncWebClient:
    """The process's client without its inline retries: the relay retries by postponing
    the lane, so one rate-limited channel never holds up the others."""
    client = copy.copy(slack)
    client.retry_handlers = []
    return client


async def _call(slack: AsyncWebClient, call: SlackCall):
    if call.method == "chat.update":
        return await slack.chat_update(**call.args)
    return await slack.chat_postMessage(**call.args)


async def _after_error(deps: Deps, row: OutboxMessage, error: str, delay: timedelta | None) -> str:
    now = deps.clock()
    async with deps.sessions.begin() as db:
        if delay is not None and now - row.created_at < GIVE_UP_AFTER:
            log.warning("outbox message %s to %s: Slack answered %s; trying again in %ss (attempt %s)",
                        row.id, row.lane, error, int(delay.total_seconds()), row.attempts)
            await postpone(db, row.id, now + delay, error)
            return "later"
        log.error("outbox message %s (%s) to %s not delivered: %s", row.id, row.kind.value, row.lane, error)
        await mark_failed(db, row.id, error)
        return "failed"


async def _prepare(db, deps: Deps, row: OutboxMessage) -> SlackCall | None:
    """The Slack call for the row, resolving what was not known when it was owed."""
    if row.kind == OutboxKind.POST:
        args = {k: v for k, v in row.payload.items() if k != "in_thread"}
        if row.payload.get("in_thread") and row.ticket_id is not None:
            ticket = await get_ticket(db, row.ticket_id)
            if ticket is not None and ticket.message_ts:
                args.update(channel=ticket.channel_id, thread_ts=ticket.message_ts)
            # else: the card was never posted (Slack refused it): the note goes to the channel
        return SlackCall("chat.postMessage", args)
    ticket = await get_ticket(db, row.ticket_id) if row.ticket_id is not None else None
    if ticket is None:
        return None
    blocks = build_ticket_card(ticket, deps.config, now=deps.clock())
    if row.kind == OutboxKind.TICKET_CARD:
        if ticket.message_ts:
            return None  # posted already
        return SlackCall("chat.postMessage", {"channel": ticket.channel_id, "text": ticket_fallback_text(ticket),
                                              "blocks": blocks, "unfurl_links": False})
    if not ticket.message_ts:
        return None  # the card, when it is posted, is rendered from the current state anyway
    return SlackCall("chat.update", {"channel": ticket.channel_id, "ts": ticket.message_ts,
                                     "text": ticket_fallback_text(ticket), "blocks": blocks})


async def _record_permalink(deps: Deps, ticket_id: int, channel: str, ts: str) -> None:
    try:
        permalink = (await deps.slack.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except (SlackApiError, *_NETWORK_ERRORS) as error:
        log.info("no permalink for the card of ticket %s: %s", ticket_id, error)
        return
    if permalink:
        async with deps.sessions.begin() as db:
            await record_card_permalink(db, ticket_id, permalink)
