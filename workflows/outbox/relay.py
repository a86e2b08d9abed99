"""The outbox relay: sends what ``workflows/outbox/enqueue.py`` owed, in order, once.

It finds the lanes (channels) whose oldest pending row is due and drains them side by
side; within a lane it leases the oldest row (one conditional UPDATE), sends it, marks
it sent, and goes on with the next, until the lane is empty, must wait, or is held by
another relay. What Slack answers decides what happens next (``workflows/outbox/errors.py``):

- ok: marked sent, and what the row's delivery records (a ticket card's ts on the
  ticket, a war room's channel on its incident…) in the same transaction.
- 429, 5xx, timeouts: the lane waits (``Retry-After``, or 1 s, 2 s … 5 min) and tries again.
- ``not_in_channel``, ``channel_not_found``, ``is_archived``: the lane pauses (30 s,
  1 min … 10 min between tries, a warning logged each time, counted on ``/metrics`` as
  ``supportbot_outbox_paused_total{scope="lane"}``) until the bot is invited or the
  channel is back; the other lanes go on.
- ``invalid_auth``, ``token_revoked``, ``account_inactive``…: the whole relay pauses
  (``models/outbox_pause.py``, every replica) and, once the pause has run out, one lane
  tries first; the first message Slack accepts ends the pause. Nothing is lost while
  the token is being rotated.
- Anything else (``invalid_blocks`` …), and whatever is still refused a day after it
  was owed, is given up on: marked failed with Slack's error, logged with what it said,
  counted (``supportbot_outbox_failed_total{reason}``); the lane goes on.
  ``supportbot doctor`` lists the messages given up on in the last day.

Leases and pacing: a lease (``LEASE``) is taken and compared on the database's clock,
so replicas whose clocks differ agree on it. A post spends its channel's posting slot
(``bot/channel_pacer.py``, shared by the replicas in ``bot/shared_pacer.py``); the relay
reserves that slot itself after leasing the row and waits for it at most
``MAX_PACING_WAIT``, well inside the lease, with room for the call. A slot further
off (direct posts crowd the channel) is not reserved: the row is given back untried,
due when the slot would have come. After a wait the lease is renewed, conditionally on
still holding it: a relay whose lease ran out meanwhile sends nothing.

Digests: when the head is a post marked for a digest (an SLA notice to a tier channel)
and at least ``DIGEST_THRESHOLD`` posts of its group wait in the lane, the relay leases
the next ones of them with the head, in the same transaction (``claim_digest_rows``),
and sends one message listing them (``workflows/outbox/digests.py``; the words are the
domain's, passed in ``Deps.outbox_renderers``); whatever Slack
answers applies to all of them (sent, postponed or failed together). Folded posts go out
ahead of the lane's other rows behind the head (the threads' posts, card updates): only
the channel's own list is reordered, never a thread.

A relay that dies mid-send leaves its lease to expire; another relay then sends the
row. Slack has no idempotency key, so a crash in the instant between Slack's answer and
the mark can repeat that one message; nothing else can double or be lost.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from models.outbox import (
    DIGEST,
    OutboxMessage,
    claim_digest_rows,
    claim_head,
    digest_candidates,
    digest_group,
    due_lanes,
    expire_pending,
    mark_failed,
    mark_sent,
    postpone,
    release,
    renew_lease,
)
from models.outbox_pause import pause_relay, relay_pause, resume_relay
from workflows.deps import Deps
from workflows.outbox.calls import Delivery, SlackCall, call_delivery
from workflows.outbox.delivery import prepare_delivery
from workflows.outbox.digests import DIGEST_THRESHOLD, MAX_NOTICES, digest_size
from workflows.outbox.errors import (
    GIVE_UP_AFTER,
    NETWORK_ERRORS,
    Undeliverable,
    Verdict,
    judge,
    judge_network,
    pause_backoff,
)
from workflows.outbox.renderers import DigestBuilder
from workflows.ports import PostingBudget, Telemetry

log = logging.getLogger(__name__)

__all__ = ["GIVE_UP_AFTER", "LEASE", "MAX_PACING_WAIT", "deliver_outbox"]

LEASE = timedelta(seconds=30)
#: The longest a relay waits for a channel's posting slot while it holds a lease: with
#: the call's own timeout (10 s) it stays well inside ``LEASE``.
MAX_PACING_WAIT = 10.0
MAX_PER_LANE = 1000
#: How many posts of the head's digest group the relay reads behind it (enough to size
#: one digest and to see whether the rest would still make one).
DIGEST_LOOKAHEAD = MAX_NOTICES + DIGEST_THRESHOLD


async def deliver_outbox(deps: Deps, *, lanes: Collection[str] | None = None) -> int:
    """Send every owed message that is due now (``lanes``: only those lanes'); how many
    were delivered (a digest counts every message it carries). The lanes go side by
    side; within one lane, one row after another until it is empty or must wait."""
    now = deps.clock()
    async with deps.sessions() as db:
        pause = await relay_pause(db)
        if pause is not None and pause.until > now:
            return 0  # Slack refuses the token: nothing goes until the pause runs out
        due = await due_lanes(db, now, among=lanes)
    if not due:
        return 0
    relay = _Relay(deps, resuming=pause is not None)
    sent = 0
    if pause is not None:  # one lane tries first; the rest only if Slack took the token again
        sent = await relay.drain(due[0])
        async with deps.sessions() as db:
            if await relay_pause(db) is not None:
                return sent
        due = due[1:]
    return sent + sum(await asyncio.gather(*(relay.drain(lane) for lane in due)))


def relay_client(slack: AsyncWebClient) -> tuple[AsyncWebClient, PostingBudget | None]:
    """The process's client without its inline retries and pacing (the relay retries by
    postponing the lane, so one rate-limited channel never holds up the others, and
    reserves each post's slot itself), and the posting budget it reserves from."""
    client = copy.copy(slack)
    client.retry_handlers = []
    budget = getattr(slack, "pacer", None)
    if budget is not None:
        client.pacer = None  # type: ignore[attr-defined]
    return client, budget


class _Relay:
    """One pass of the relay over some lanes."""

    def __init__(self, deps: Deps, *, resuming: bool) -> None:
        self.deps = deps
        self.client, self.budget = relay_client(deps.slack)
        self.resuming = resuming
        self.paused = False  # Slack refused the token during this pass: stop every lane

    async def drain(self, lane: str) -> int:
        sent = 0
        for _ in range(MAX_PER_LANE):
            if self.paused:
                break
            outcome, count = await self._send_next(lane)
            if outcome == "sent":
                sent += count
            elif outcome != "failed":
                break  # empty, waiting for a retry, paused, or held by another relay
        return sent

    async def _send_next(self, lane: str) -> tuple[str, int]:
        """"sent", "failed" (for good), "later" (postponed) or "idle" (nothing this relay may
        send), and how many rows that was (more than one for a digest)."""
        deps = self.deps
        try:
            async with deps.sessions.begin() as db:
                now = deps.clock()
                row = await claim_head(db, lane, now, LEASE)
                if row is None:
                    return "idle", 0
                build = _digest_builder(deps, row)
                folded = await _fold_digest(db, row, now) if build is not None else []
                delivery = _digest_delivery(build, row, folded) if build and folded else \
                    await prepare_delivery(db, deps, row)
        except Exception:
            log.exception("the next outbox message of %s could not be prepared; it is retried after its lease", lane)
            return "idle", 0
        ids = [row.id, *(r.id for r in folded)]
        if delivery is None:  # nothing left to do (a card update for a card that was never posted)
            async with deps.sessions.begin() as db:
                await mark_sent(db, ids, deps.clock(), None)
            return "sent", len(ids)
        paced = await self._paced(row, ids, delivery)
        if paced != "go":
            return paced, 0
        try:
            answer = await delivery.send(self.client)
        except SlackApiError as error:
            return await self._after_error(row, ids, delivery, judge(error, row.attempts))
        except Undeliverable as error:
            return await self._after_error(row, ids, delivery, Verdict("final", None, error.reason))
        except NETWORK_ERRORS as error:
            return await self._after_error(row, ids, delivery, judge_network(error, row.attempts))
        except Exception:  # a step's own bookkeeping failed (the database, a bug): its lease runs out, it is retried
            log.exception("outbox message %s to %s could not be sent; it is tried again after its lease", row.id,
                          row.lane)
            return "idle", 0
        try:
            async with deps.sessions.begin() as db:
                await mark_sent(db, ids, deps.clock(), _ts(answer))
                if delivery.record is not None:
                    await delivery.record(db, answer)
                if self.resuming and await resume_relay(db):
                    log.warning("outbox relay resumed: Slack accepted the bot's token again")
        except Exception:
            log.exception("outbox message %s to %s was sent but could not be recorded; it is tried again after "
                          "its lease", row.id, row.lane)
            return "idle", 0
        self.resuming = False
        if delivery.after_commit is not None:
            await delivery.after_commit(answer)
        return "sent", len(ids)

    async def _paced(self, row: OutboxMessage, ids: list[int], delivery: Delivery) -> str:
        """Wait for the post's slot in its channel, at most ``MAX_PACING_WAIT``: "go" (send
        now), "later" (the slot is further off: the rows are given back untried, due when
        it comes) or "idle" (the lease was lost while waiting: another relay may send)."""
        if delivery.paced_channel is None or self.budget is None:
            return "go"
        waited = await self.budget.wait_within(delivery.paced_channel, MAX_PACING_WAIT)
        if waited > MAX_PACING_WAIT:
            async with self.deps.sessions.begin() as db:
                await release(db, ids, self.deps.clock() + timedelta(seconds=waited))
            log.info("outbox message %s to %s waits %.0fs for the channel's next posting slot", row.id,
                     delivery.paced_channel, waited)
            return "later"
        if waited <= 0:
            return "go"
        assert row.lease_until is not None
        async with self.deps.sessions.begin() as db:
            held = await renew_lease(db, ids, row.lease_until, LEASE)
        if held:
            return "go"
        log.warning("outbox message %s to %s: its lease ran out while it waited %.1fs for the posting slot; "
                    "not sent by this relay", row.id, delivery.paced_channel, waited)
        return "idle"

    async def _after_error(self, row: OutboxMessage, ids: list[int], delivery: Delivery,
                           verdict: Verdict) -> tuple[str, int]:
        """``row`` is the head; ``ids`` every row of the message (a digest's too), treated alike."""
        deps, telemetry = self.deps, self.deps.telemetry
        now = deps.clock()
        also = f" (a digest of {len(ids)})" if len(ids) > 1 else ""
        reason = verdict.reason
        if verdict.action != "final" and now - row.created_at < GIVE_UP_AFTER:
            async with deps.sessions.begin() as db:
                if verdict.action == "pause_relay":
                    self.paused = True
                    pause = await pause_relay(db, reason=reason, now=now, delay=pause_backoff)
                    until = pause.until
                    expired = await expire_pending(db, before=now - GIVE_UP_AFTER, reason=reason, now=now)
                    for lost in expired:
                        _log_gave_up(lost, reason, str(lost.payload.get("text") or ""))
                    log.error("outbox paused: Slack refused the bot's token (%s) for message %s to %s; nothing is "
                              "sent before %s (refusal %s in a row). Rotate SLACK_BOT_TOKEN or reinstall the app; "
                              "nothing owed is lost meanwhile", reason, row.id, row.lane, until.isoformat(),
                              pause.attempts)
                else:
                    assert verdict.delay is not None
                    until, expired = now + verdict.delay, []
                    if verdict.action == "pause_lane":
                        log.warning("outbox lane %s paused: Slack answered %s for message %s%s; trying again in %ss "
                                    "(attempt %s). Invite the bot to the channel, or restore it", row.lane, reason,
                                    row.id, also, int(verdict.delay.total_seconds()), row.attempts)
                    else:
                        log.warning("outbox message %s%s to %s: Slack answered %s; trying again in %ss (attempt %s)",
                                    row.id, also, row.lane, reason, int(verdict.delay.total_seconds()), row.attempts)
                await postpone(db, ids, until, reason)
            if verdict.action != "retry" and telemetry is not None:
                telemetry.count_outbox_paused("relay" if verdict.action == "pause_relay" else "lane", reason)
            _count_failed(telemetry, reason, len(expired))
            return "later", len(ids)
        async with deps.sessions.begin() as db:
            _log_gave_up(row, reason, delivery.text, also=also)
            await mark_failed(db, ids, reason, now)
            if delivery.on_failure is not None:
                await delivery.on_failure(db, reason)
        _count_failed(telemetry, reason, len(ids))
        return "failed", len(ids)


def _log_gave_up(row: OutboxMessage, reason: str, text: str, *, also: str = "") -> None:
    log.error("outbox gave up on message %s%s (%s) to %s, owed %s, after %s attempt(s): %s; it said: %r",
              row.id, also, row.kind.value, row.lane, row.created_at.isoformat(), row.attempts, reason, text[:300])


def _count_failed(telemetry: Telemetry | None, reason: str, count: int) -> None:
    if telemetry is not None:
        for _ in range(count):
            telemetry.count_outbox_failed(reason)


def _ts(answer: Any) -> str | None:
    ts = answer.get("ts") if hasattr(answer, "get") else None
    return str(ts) if ts else None


def _digest_builder(deps: Deps, head: OutboxMessage) -> DigestBuilder | None:
    """The builder of ``head``'s digest group, if it has one (None: it goes as owed)."""
    group = digest_group(head)
    if group is None or deps.outbox_renderers is None:
        return None
    return deps.outbox_renderers.digests.get(str(group))


async def _fold_digest(db, head: OutboxMessage, now) -> list[OutboxMessage]:
    """The posts leased to go out with ``head`` in one digest; [] (the usual case): the
    head goes alone, exactly as it was owed."""
    waiting = await digest_candidates(db, head, now, limit=DIGEST_LOOKAHEAD)
    if len(waiting) + 1 < DIGEST_THRESHOLD:
        return []
    size = digest_size([str(r.payload.get("text") or "") for r in (head, *waiting)])
    return await claim_digest_rows(db, head, [r.id for r in waiting[:size - 1]])


def _digest_delivery(build: DigestBuilder, head: OutboxMessage, folded: list[OutboxMessage]) -> Delivery:
    text = build([(str(r.payload.get("text") or ""), r.payload.get(DIGEST)) for r in (head, *folded)])
    return call_delivery(SlackCall("chat.postMessage", {"channel": head.payload["channel"], "text": text,
                                                        "unfurl_links": False}))
