"""The pager: one for the whole bot (SLA breaches, escalations to a paging tier, incidents).

A ticket or incident has at most one open page, its row in ``pages`` keyed by
``dedup_key`` (``supportbot-ticket-<N>``, ``supportbot-incident-<id>``):

- first page: the row is stored (insert-or-ignore on the key, then locked), with the
  PagerDuty ``trigger`` owed (``pd_pending_action``) when a routing key is set, or the
  Slack-only ack deadline (``ack_due_at``) when not; a ``paged`` timeline row says why;
- while that page is open (triggered or acknowledged), paging again triggers nothing:
  the reason is added to the timeline and the Slack mirror re-rendered;
- a resolved page is triggered again on the same row.

``record_ticket_page``/``record_incident_page`` do this inside the caller's transaction
(the SLA engine claims a breach and records its page in one), owing its Slack mirrors
(or their re-render) in the outbox; ``announce_page`` then sends them and what PagerDuty
is owed. ``page_ticket`` and ``page_incident`` are both steps. If the process stops in
between, the outbox relay and the sweep in ``workflows/paging/delivery.py`` finish the job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_queries import get_incident
from models.incidents import Incident
from models.page_queries import OPEN, store_page
from models.pages import Page, PageStatus
from models.ticket_queries import get_ticket
from models.tickets import Ticket
from workflows.deps import Deps
from workflows.errors import NotFound
from workflows.paging.roster import OnDuty, on_duty
from workflows.paging.delivery import deliver_page_or_log, sends_pages
from workflows.paging.mirrors import owe_page_mirrors, owe_page_refresh, page_lane, send_page_messages
from workflows.paging.subjects import PageSubject, add_page_event, incident_subject, ticket_subject

log = logging.getLogger(__name__)

__all__ = ["PageRecord", "record_page", "record_ticket_page", "record_incident_page", "announce_page",
           "page_ticket", "page_incident", "pagerduty_summary"]

SUMMARY_MAX = 1024


@dataclass(frozen=True)
class PageRecord:
    """What ``record_page`` did: ``triggered`` (new or again) or ``repeated`` (still open);
    ``lanes``: the outbox lanes its Slack messages were owed in."""

    page_id: int
    triggered: bool
    lanes: tuple[str, ...] = ()


def pagerduty_summary(subject: PageSubject, reason: str) -> str:
    """The Events v2 ``payload.summary`` (plain text, at most 1024 characters)."""
    text = f"[{subject.priority}] {subject.label}: {subject.summary} — {reason}"
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _fresh(subject: PageSubject, *, deps: Deps, now: datetime, reason: str, duty: OnDuty) -> dict[str, Any]:
    """Column values of a page (re-)triggered at ``now``."""
    pd = sends_pages(deps)
    window = deps.config.oncall.ack_window_for(subject.priority)
    return dict(
        status=PageStatus.TRIGGERED, severity=subject.severity, summary=pagerduty_summary(subject, reason),
        triggered_at=now, acknowledged_at=None, acknowledged_by=None, resolved_at=None,
        mirror_channel_id=deps.config.channels.oncall, mirror_ts=None, dm_channel_id=None, dm_ts=None,
        oncall_user_id=duty.primary, oncall_source=duty.source, escalation_level=0,
        ack_due_at=None if pd else now + window,
        pagerduty_sent=False, pd_pending_action="trigger" if pd else None, pd_attempts=0,
        pd_next_attempt_at=now if pd else None, pd_last_error=None,
    )


async def record_page(db: AsyncSession, subject: PageSubject, *, deps: Deps, now: datetime, reason: str) -> PageRecord:
    """Store (or re-trigger, or add a reason to) the page of ``subject``, in ``db``'s transaction."""
    duty = await on_duty(db, deps.config, now)
    fresh = _fresh(subject, deps=deps, now=now, reason=reason, duty=duty)
    page, inserted = await store_page(db, {
        "dedup_key": subject.dedup_key, "subject_kind": subject.kind, "subject_id": subject.id, **fresh,
    })
    triggered = inserted or page.status not in OPEN
    if triggered and not inserted:  # resolved earlier: the same row pages again
        for column, value in fresh.items():
            setattr(page, column, value)
        page.subject_kind, page.subject_id = subject.kind, subject.id
        await db.flush()
    await add_page_event(db, page, acknowledged=False, actor_id=None, at=now, detail={
        "reason": reason, "repeat": not triggered, "user": page.oncall_user_id if triggered else None,
    })
    if triggered:
        lanes = await owe_page_mirrors(db, page.id, paged=page.oncall_user_id, now=now)
    else:
        await owe_page_refresh(db, page.id, now=now)
        lanes = (page_lane(page.id),)
    log.info("%s %s: %s", "paging" if triggered else "already paged,", subject.dedup_key, reason)
    return PageRecord(page_id=page.id, triggered=triggered, lanes=lanes)


async def record_ticket_page(db: AsyncSession, ticket: Ticket, *, deps: Deps, now: datetime, reason: str) -> PageRecord:
    """Page on-call about ``ticket`` (locked by the caller) inside the caller's transaction."""
    return await record_page(db, ticket_subject(ticket, deps.config), deps=deps, now=now, reason=reason)


async def record_incident_page(db: AsyncSession, incident: Incident, *, deps: Deps, now: datetime,
                               reason: str) -> PageRecord:
    return await record_page(db, incident_subject(incident, deps.config), deps=deps, now=now, reason=reason)


async def announce_page(*, deps: Deps, record: PageRecord) -> None:
    """After commit: send the mirrors (or their re-render) and what PagerDuty is owed."""
    await send_page_messages(deps, record.page_id, *record.lanes)
    if record.triggered and sends_pages(deps):
        await deliver_page_or_log(deps=deps, page_id=record.page_id)


async def _load_page(deps: Deps, page_id: int) -> Page:
    async with deps.sessions() as db:
        page = await db.get(Page, page_id)
    assert page is not None
    return page


async def page_ticket(*, deps: Deps, ticket_id: int, reason: str) -> Page:
    """Page on-call about ticket ``ticket_id`` (its id, not its number) because of ``reason``."""
    now = deps.clock()
    async with deps.sessions.begin() as db:
        ticket = await get_ticket(db, ticket_id, for_update=True)
        if ticket is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        record = await record_ticket_page(db, ticket, deps=deps, now=now, reason=reason)
    await announce_page(deps=deps, record=record)
    return await _load_page(deps, record.page_id)


async def page_incident(*, deps: Deps, incident_id: int, reason: str) -> Page:
    """Page on-call about incident ``incident_id`` because of ``reason``."""
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await get_incident(db, incident_id, lock=True)
        if incident is None:
            raise NotFound(f"Incident {incident_id} not found.")
        record = await record_incident_page(db, incident, deps=deps, now=now, reason=reason)
    await announce_page(deps=deps, record=record)
    return await _load_page(deps, record.page_id)
