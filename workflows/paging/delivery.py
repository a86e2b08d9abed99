"""Durable delivery of pages to PagerDuty (Events API v2).

The page row says what PagerDuty is owed: ``pd_pending_action`` (``trigger``,
``acknowledge``, ``resolve``), due at ``pd_next_attempt_at``. It is set in the same
transaction as the change that owes it, so a crash never loses it. Sending:

1. claim — ``UPDATE pages SET pd_next_attempt_at = now + LEASE, pd_attempts + 1
   WHERE id = :id AND pd_pending_action IS NOT NULL AND pd_next_attempt_at <= now
   RETURNING …``, committed at once. Only one replica's UPDATE matches (on Postgres the
   second waits for the row lock, then re-checks the WHERE and finds it claimed); a
   sender that dies mid-send lets the lease run out and another one sends again —
   harmless, PagerDuty de-duplicates on the dedup_key.
2. send, through the pager (``workflows.ports.Pager``; off the event loop in
   ``bot.pagerduty_gateway``).
3. record — success: ``pd_pending_action`` becomes the follow-up (after a trigger, the
   acknowledge or resolve that happened in Slack meanwhile) or NULL; 429/5xx/timeout:
   retry at ``now + backoff(attempts)``; refused (4xx): give up, keep the error, show
   it in the mirror. Each is conditional on the action still being the one claimed, so
   a newer state change is never overwritten.

An acknowledge or resolve decided before the trigger went out waits for it: it is sent
as the trigger's follow-up. A trigger never sent for a page already resolved is dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from models.page_queries import claim_delivery, drop_delivery, due_deliveries, record_delivered, retry_delivery
from models.pages import Page, PageStatus
from workflows.deps import Deps
from workflows.paging.mirrors import refresh_page_mirrors  # the mirror says when PagerDuty refused a page
from workflows.paging.subjects import load_subject
from workflows.ports import Pager, PagerDutyError

log = logging.getLogger(__name__)

__all__ = ["LEASE", "backoff", "sends_pages", "deliver_page", "deliver_page_or_log", "deliver_pending_pages"]

#: How long a claimed send may take before another sender may try it.
LEASE = timedelta(minutes=1)
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=10)
SOURCE = "supportbot"


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 5 s, 10 s, 20 s … at most 10 min."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def sends_pages(deps: Deps) -> bool:
    """Pages go to PagerDuty (a routing key is set), rather than Slack only."""
    return deps.pagerduty is not None and deps.pagerduty.sends_events


async def _send(deps: Deps, gateway: Pager, page_id: int, action: str, now: datetime) -> None:
    async with deps.sessions() as db:
        page = await db.get(Page, page_id)
        assert page is not None
        if action != "trigger":
            await gateway.send(action, dedup_key=page.dedup_key)
            return
        subject = await load_subject(db, deps.config, page.subject_kind, page.subject_id)
    details = dict(subject.details) if subject else {}
    links = [{"href": subject.permalink, "text": f"{subject.label} in Slack"}] if subject and subject.permalink else []
    await gateway.trigger(dedup_key=page.dedup_key, summary=page.summary, source=SOURCE, severity=page.severity,
                          timestamp=page.triggered_at, custom_details=details, links=links)


async def deliver_page(*, deps: Deps, page_id: int) -> bool:
    """Send what PagerDuty is owed for one page, if it is due and nobody else is at it.

    True when something was accepted by PagerDuty. Never raises for PagerDuty's
    failures: they are recorded on the row and retried by ``deliver_pending_pages``.
    """
    gateway = deps.pagerduty
    if gateway is None or not gateway.sends_events:
        return False
    now = deps.clock()
    async with deps.sessions.begin() as db:
        claim = await claim_delivery(db, page_id, now=now, lease=LEASE)
    if claim is None:
        return False
    claimed, attempts, status = claim
    action = claimed
    if claimed == "trigger" and status == PageStatus.RESOLVED:
        if attempts <= 1:  # never tried: PagerDuty need not hear of it at all
            async with deps.sessions.begin() as db:
                await drop_delivery(db, page_id, claimed)
            return False
        action = "resolve"  # an earlier attempt may have got through
    try:
        await _send(deps, gateway, page_id, action, now)
    except PagerDutyError as error:
        await _record_failure(deps, page_id, claimed, attempts, error, now)
        return False
    async with deps.sessions.begin() as db:
        # After a trigger, what happened in Slack meanwhile (acknowledge, resolve) is owed next.
        await record_delivered(db, page_id, claimed, now=now, follow_up=action == claimed == "trigger")
    log.info("PagerDuty accepted %s for page %s", action, page_id)
    return True


async def deliver_page_or_log(*, deps: Deps, page_id: int) -> bool:
    """``deliver_page`` right after a change; whatever goes wrong is left to the sweep
    (the action stays owed in the row), never to the person who clicked or paged."""
    try:
        return await deliver_page(deps=deps, page_id=page_id)
    except Exception:
        log.exception("sending page %s to PagerDuty failed; the delivery sweep retries", page_id)
        return False


async def _record_failure(deps: Deps, page_id: int, claimed: str, attempts: int, error: PagerDutyError,
                          now: datetime) -> None:
    message = str(error)[:1000]
    if error.retryable:
        retry_at = now + backoff(attempts)
        log.warning("PagerDuty %s for page %s failed (attempt %s), retrying at %s: %s",
                    claimed, page_id, attempts, retry_at.isoformat(), message)
        async with deps.sessions.begin() as db:
            await retry_delivery(db, page_id, claimed, at=retry_at, error=message)
        return
    log.error("PagerDuty refused %s for page %s; not retrying: %s", claimed, page_id, message)
    async with deps.sessions.begin() as db:
        await drop_delivery(db, page_id, claimed, error=message)
    await refresh_page_mirrors(deps=deps, page_id=page_id)


async def deliver_pending_pages(*, deps: Deps, limit: int = 100) -> int:
    """Sweep: send every due PagerDuty action; one failing page does not stop the others."""
    if not sends_pages(deps):
        return 0
    now = deps.clock()
    async with deps.sessions() as db:
        due = await due_deliveries(db, now=now, limit=limit)
    delivered = 0
    for page_id in due:
        try:
            # A follow-up (acknowledge after trigger) is due at once: send it in this sweep.
            while await deliver_page(deps=deps, page_id=page_id):
                delivered += 1
        except Exception:
            log.exception("delivering page %s to PagerDuty failed; the next sweep retries", page_id)
    return delivered
