"""The outbox relay: sends what ``workflows/outbox/enqueue.py`` owed, in order, once.

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

Digests: when the head is a post marked for a digest (an SLA notice to a tier channel)
and at least ``DIGEST_THRESHOLD`` posts of its group wait in the lane, the relay leases
the next ones of them with the head, in the same transaction (``claim_digest_rows``),
and sends one message listing them (``workflows/outbox/digests.py``; the words are the
domain's, ``workflows/outbox/renderers.py``); whatever Slack
answers applies to all of them (sent, postponed or failed together). Folded posts go out
ahead of the lane's other rows behind the head (the threads' posts, card updates): only
the channel's own list is reordered, never a thread.

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
    DIGEST,
    OutboxKind,
    OutboxMessage,
    claim_digest_rows,
    claim_head,
    digest_candidates,
    digest_group,
    due_lanes,
    mark_failed,
    mark_sent,
    postpone,
)
from models.ticket_queries import get_ticket, record_card, record_card_permalink
from workflows.deps import Deps
from workflows.outbox.digests import DIGEST_THRESHOLD, MAX_NOTICES, digest_size
from workflows.outbox.renderers import registered_renderers

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
#: How many posts of the head's digest group the relay reads behind it (enough to size
#: one digest and to see whether the rest would still make one).
DIGEST_LOOKAHEAD = MAX_NOTICES + DIGEST_THRESHOLD
#: Payload keys for the relay, not for Slack.
_NOT_SLACK_ARGS = frozenset({"in_thread", DIGEST})


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
    """Send every owed message that is due now; how many were delivered (a digest counts
    every message it carries). The lanes go side by side; within one lane, one row after
    another until it is empty or must wait."""
    async with deps.sessions() as db:
        lanes = await due_lanes(db, deps.clock())
    if not lanes:
        return 0
    slack = relay_client(deps.slack)
    return sum(await asyncio.gather(*(_drain_lane(deps, slack, lane) for lane in lanes)))


async def _drain_lane(deps: Deps, slack: AsyncWebClient, lane: str) -> int:
    sent = 0
    for _ in range(MAX_PER_LANE):
        outcome, count = await _send_next(deps, slack, lane)
        if outcome == "sent":
            sent += count
        elif outcome != "failed":
            break  # empty, waiting for a retry, or held by another relay
    return sent


async def _send_next(deps: Deps, slack: AsyncWebClient, lane: str) -> tuple[str, int]:
    """"sent", "failed" (for good), "later" (postponed) or "idle" (nothing this relay may
    send), and how many rows that was (more than one for a digest)."""
    try:
        async with deps.sessions.begin() as db:
            now = deps.clock()
            row = await claim_head(db, lane, now, LEASE)
            if row is None:
                return "idle", 0
            folded = await _fold_digest(db, row, now)
            call = _digest_call(row, folded) if folded else await _prepare(db, deps, row)
    except Exception:
        log.exception("the next outbox message of %s could not be prepared; it is retried after its lease", lane)
        return "idle", 0
    ids = [row.id, *(r.id for r in folded)]
    if call is None:  # nothing left to do (a card update for a card that was never posted)
        async with deps.sessions.begin() as db:
            await mark_sent(db, ids, deps.clock(), None)
        return "sent", len(ids)
    try:
        response = await _call(slack, call)
    except SlackApiError as error:
        return await _after_error(deps, row, ids, str(error.response.get("error") or error.response.status_code),
                                  retry_delay(error, row.attempts))
    except _NETWORK_ERRORS as error:
        return await _after_error(deps, row, ids, type(error).__name__, backoff(row.attempts))
    async with deps.sessions.begin() as db:
        await mark_sent(db, ids, deps.clock(), response.get("ts"))
        if row.kind == OutboxKind.TICKET_CARD and row.ticket_id is not None:
            await record_card(db, row.ticket_id, channel_id=str(response["channel"]), message_ts=str(response["ts"]))
    if row.kind == OutboxKind.TICKET_CARD and row.ticket_id is not None:
        await _record_permalink(deps, row.ticket_id, str(response["channel"]), str(response["ts"]))
    return "sent", len(ids)


async def _fold_digest(db, head: OutboxMessage, now) -> list[OutboxMessage]:
    """The posts leased to go out with ``head`` in one digest; [] (the usual case): the
    head goes alone, exactly as it was owed."""
    if digest_group(head) not in registered_renderers().digests:
        return []
    waiting = await digest_candidates(db, head, now, limit=DIGEST_LOOKAHEAD)
    if len(waiting) + 1 < DIGEST_THRESHOLD:
        return []
    size = digest_size([str(r.payload.get("text") or "") for r in (head, *waiting)])
    return await claim_digest_rows(db, head, [r.id for r in waiting[:size - 1]], now)


def _digest_call(head: OutboxMessage, folded: list[OutboxMessage]) -> SlackCall:
    build = registered_renderers().digests[str(digest_group(head))]
    text = build([(str(r.payload.get("text") or ""), r.payload.get(DIGEST)) for r in (head, *folded)])
    return SlackCall("chat.postMessage", {"channel": head.payload["channel"], "text": text, "unfurl_links": False})


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


async def _after_error(deps: Deps, row: OutboxMessage, ids: list[int], error: str,
                       delay: timedelta | None) -> tuple[str, int]:
    """``row`` is the head; ``ids`` every row of the message (a digest's too), treated alike."""
    now = deps.clock()
    also = f" (a digest of {len(ids)})" if len(ids) > 1 else ""
    async with deps.sessions.begin() as db:
        if delay is not None and now - row.created_at < GIVE_UP_AFTER:
            log.warning("outbox message %s%s to %s: Slack answered %s; trying again in %ss (attempt %s)",
                        row.id, also, row.lane, error, int(delay.total_seconds()), row.attempts)
            await postpone(db, ids, now + delay, error)
            return "later", len(ids)
        log.error("outbox message %s%s (%s) to %s not delivered: %s", row.id, also, row.kind.value, row.lane,
                  error)
        await mark_failed(db, ids, error)
        return "failed", len(ids)


async def _prepare(db, deps: Deps, row: OutboxMessage) -> SlackCall | None:
    """The Slack call for the row, resolving what was not known when it was owed."""
    if row.kind == OutboxKind.POST:
        args = {k: v for k, v in row.payload.items() if k not in _NOT_SLACK_ARGS}
        if row.payload.get("in_thread") and row.ticket_id is not None:
            ticket = await get_ticket(db, row.ticket_id)
            if ticket is not None and ticket.message_ts:
                args.update(channel=ticket.channel_id, thread_ts=ticket.message_ts)
            # else: the card was never posted (Slack refused it): the note goes to the channel
        return SlackCall("chat.postMessage", args)
    ticket = await get_ticket(db, row.ticket_id) if row.ticket_id is not None else None
    if ticket is None:
        return None
    text, blocks = registered_renderers().ticket_card(ticket, deps.config, deps.clock())
    if row.kind == OutboxKind.TICKET_CARD:
        if ticket.message_ts:
            return None  # posted already
        return SlackCall("chat.postMessage", {"channel": ticket.channel_id, "text": text,
                                              "blocks": blocks, "unfurl_links": False})
    if not ticket.message_ts:
        return None  # the card, when it is posted, is rendered from the current state anyway
    return SlackCall("chat.update", {"channel": ticket.channel_id, "ts": ticket.message_ts,
                                     "text": text, "blocks": blocks})


async def _record_permalink(deps: Deps, ticket_id: int, channel: str, ts: str) -> None:
    try:
        permalink = (await deps.slack.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except (SlackApiError, *_NETWORK_ERRORS) as error:
        log.info("no permalink for the card of ticket %s: %s", ticket_id, error)
        return
    if permalink:
        async with deps.sessions.begin() as db:
            await record_card_permalink(db, ticket_id, permalink)
