"""Publishing an incident on the status page (Atlassian Statuspage, ``statuspage`` in app.yaml).

`/incident external [status] text` owes the status page that text: the first one creates
the incident there (its name is the incident's title; a private incident's is not shown),
the later ones add updates to it; a leading status word (investigating, identified,
monitoring) sets the incident's status there, and without one it stays as it was (a
create says investigating); the resolution resolves it. The components named for
the incident's priority (``statuspage.components``) are shown degraded while it is open
and operational once it is resolved (``workflows/policy/statuspage.py``). Nothing is
published until someone says so: an incident never told to customers stays off the page.

Durable, as pages are (``workflows/paging/delivery.py``): each update is a row stored in
the transaction of the command that owes it (``models/statuspage_updates.py``), sent in
order per incident:

1. claim: a conditional UPDATE moves ``next_attempt_at`` a lease ahead (``attempts`` + 1),
   committed before the call, so one sender of two replicas sends it;
2. send: POST (create) or PATCH (update, resolve) through ``Deps.statuspage``; a create
   retried after an answer that never came first looks for the incident it may have
   created (``metadata.supportbot.incident_id`` among the page's unresolved incidents);
3. record: sent (the status page's id and link kept on the incident, a timeline row);
   retryable failure (429/420, 5xx, 401/403, network): tried again after 5 s, 10 s … at
   most 10 min, for as long as it takes; refused (400, 404, 422): given up, said in the war
   room. The war room hears of the first failure of an update and of its success after
   failures, through the outbox.

Right after the command the update is sent at once; a sweep (``bot/jobs.py``) sends what
is due after a failure, a crash or a restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_queries import add_incident_event, get_incident
from models.incidents import Incident, IncidentEventKind
from models.statuspage_queries import (
    claim_statuspage_update,
    due_statuspage_updates,
    fail_statuspage_update,
    owe_statuspage_update,
    pending_statuspage_updates,
    record_statuspage_sent,
    retry_statuspage_update,
)
from models.statuspage_updates import StatuspageUpdate, StatuspageUpdateKind
from workflows.deps import Deps
from workflows.incidents.messages.statuspage import (
    statuspage_failing_text,
    statuspage_posted_text,
    statuspage_recovered_text,
    statuspage_refused_text,
)
from workflows.incidents.war_room import owe_in_war_room
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.delivery import backoff
from workflows.policy.statuspage import OPEN_STATUSES, Statuspage
from workflows.ports import StatusPage, StatusPageError
from workflows.slack_text import plain_text

log = logging.getLogger(__name__)

__all__ = ["LEASE", "NAME_MAX", "deliver_statuspage_updates", "owe_external_on_statuspage",
           "owe_resolution_on_statuspage", "publish_after_commit"]

#: How long a claimed send may take before another sender may try it.
LEASE = timedelta(minutes=1)
NAME_MAX = 255
PRIVATE_NAME = "Investigating an issue"
RESOLVED_BODY = "This incident has been resolved."


def _publishes(deps: Deps) -> bool:
    return deps.config.statuspage is not None and deps.statuspage is not None


def owe_external_on_statuspage(db: AsyncSession, deps: Deps, incident: Incident, *, text: str, actor_id: str,
                               now: datetime, status: str | None = None) -> str | None:
    """In `/incident external`'s transaction: owe the status page ``text``. Returns what the
    war room's message adds about it (None: no status page in app.yaml)."""
    if deps.config.statuspage is None:
        return None
    if deps.statuspage is None:
        return "Not published on the status page: STATUSPAGE_API_KEY is not set (`supportbot doctor` says so too)."
    owe_statuspage_update(db, incident_id=incident.id, kind=StatuspageUpdateKind.UPDATE, body=text,
                          status=status, created_by=actor_id, now=now)
    return "Publishing it on the status page."


async def owe_resolution_on_statuspage(db: AsyncSession, deps: Deps, incident: Incident, *, now: datetime) -> bool:
    """In the resolution's transaction: owe the status page the resolution, if customers
    were told of the incident there (or are about to be)."""
    if not _publishes(deps):
        return False
    if not incident.statuspage_incident_id and not await pending_statuspage_updates(db, incident.id):
        return False
    owe_statuspage_update(db, incident_id=incident.id, kind=StatuspageUpdateKind.RESOLVE,
                          body=incident.summary or RESOLVED_BODY, created_by=incident.resolved_by, now=now)
    return True


async def publish_after_commit(*, deps: Deps, incident_id: int) -> None:
    """Send what the incident owes the status page now; whatever goes wrong is left to the
    sweep (it stays owed in its row), never to the person who typed the command."""
    if not _publishes(deps):
        return
    try:
        await deliver_statuspage_updates(deps=deps, incident_id=incident_id)
    except Exception:
        log.exception("publishing incident %s on the status page failed; the sweep retries", incident_id)


async def deliver_statuspage_updates(*, deps: Deps, incident_id: int | None = None, limit: int = 50) -> int:
    """Sweep: send each incident's due update (and then its next ones); the number sent.
    One failing incident does not stop the others."""
    if not _publishes(deps):
        return 0
    async with deps.sessions() as db:
        due = await due_statuspage_updates(db, now=deps.clock(), limit=limit, incident_id=incident_id)
    sent = 0
    for update_id in due:
        try:
            next_id: int | None = update_id
            while next_id is not None and await _deliver(deps, next_id):
                sent += 1
                async with deps.sessions() as db:  # the incident's next update, if it is due too
                    row = await db.get(StatuspageUpdate, next_id)
                    following = await due_statuspage_updates(db, now=deps.clock(), limit=1,
                                                             incident_id=row.incident_id if row else -1)
                next_id = following[0] if following else None
        except Exception:
            log.exception("sending status page update %s failed; the next sweep retries", update_id)
    return sent


@dataclass(frozen=True)
class _Owed:
    """What one send needs, read before the call (no ORM object crosses it)."""

    update_id: int
    incident_id: int
    kind: str
    body: str
    status: str | None  # the incident's status there (None: as it is)
    failed_before: bool
    statuspage_id: str | None
    name: str
    priority: str


async def _deliver(deps: Deps, update_id: int) -> bool:
    gateway, page = deps.statuspage, deps.config.statuspage
    assert gateway is not None and page is not None
    now = deps.clock()
    async with deps.sessions.begin() as db:
        attempts = await claim_statuspage_update(db, update_id, now=now, lease=LEASE)
    if attempts is None:
        return False
    async with deps.sessions() as db:
        row = await db.get(StatuspageUpdate, update_id)
        incident = await get_incident(db, row.incident_id) if row else None
        if row is None or incident is None:
            return False
        owed = _Owed(update_id, incident.id, row.kind.value, row.body, row.status, row.last_error is not None,
                     incident.statuspage_incident_id, _name(incident), incident.priority)
    try:
        answer = await _send(gateway, page, owed, attempts)
    except StatusPageError as error:
        await _record_failure(deps, owed, attempts, error, now)
        return False
    async with deps.sessions.begin() as db:
        if not await record_statuspage_sent(db, update_id, attempts=attempts, now=now):
            return False  # the lease ran out and another sender has it now
        incident = await get_incident(db, owed.incident_id, lock=True)
        assert incident is not None
        created = False
        if answer and not incident.statuspage_incident_id:  # created now (or found, created by a lost attempt)
            incident.statuspage_incident_id = str(answer["id"])[:64]
            incident.statuspage_url = str(answer.get("shortlink") or "") or None
            created = owed.kind == StatuspageUpdateKind.UPDATE.value
        if incident.statuspage_incident_id:  # else a resolution with nothing on the page to resolve
            add_incident_event(db, incident, IncidentEventKind.STATUSPAGE_SENT, actor_id=None, at=now, detail={
                "kind": owed.kind, "statuspage_incident_id": incident.statuspage_incident_id, "attempts": attempts,
                **({"status": owed.status} if owed.status else {})})
        if created:
            await owe_in_war_room(db, incident, statuspage_posted_text(
                incident, tries=attempts if owed.failed_before else None), now=now)
        elif owed.failed_before:
            await owe_in_war_room(db, incident, statuspage_recovered_text(incident, kind=owed.kind,
                                                                          attempts=attempts), now=now)
    log.info("the status page took the %s of incident %s", owed.kind, owed.incident_id)
    await deliver_outbox(deps)
    return True


def _name(incident: Incident) -> str:
    return PRIVATE_NAME if incident.private else plain_text(incident.title)[:NAME_MAX] or PRIVATE_NAME


def _components(page: Statuspage, priority: str, *, resolved: bool) -> dict[str, Any]:
    statuses = page.component_statuses(priority, resolved=resolved)
    return {"component_ids": list(statuses), "components": statuses} if statuses else {}


def _marker(incident_id: int) -> dict[str, Any]:
    return {"supportbot": {"incident_id": str(incident_id)}}


async def _send(gateway: StatusPage, page: Statuspage, owed: _Owed, attempts: int) -> dict[str, Any] | None:
    """The call the update owes: the incident created (its answer), updated, or resolved;
    None when there is nothing to resolve (customers were never told there)."""
    body = plain_text(owed.body, keep_urls=True)
    resolve = owed.kind == StatuspageUpdateKind.RESOLVE.value
    status = {"status": owed.status} if owed.status else {}  # else the page keeps the incident's status
    target = owed.statuspage_id
    if target is None and attempts > 1:  # an earlier attempt may have created it: never twice
        target = await _created_before(gateway, page, owed)
        if target is not None and not resolve:
            return await gateway.update_incident(page_id=page.page_id, incident_id=target, fields={
                **status, "body": body, "deliver_notifications": True,
                **_components(page, owed.priority, resolved=False)})
    if resolve:
        if target is None:
            return None
        return await gateway.update_incident(page_id=page.page_id, incident_id=target, fields={
            "status": "resolved", "body": body, "deliver_notifications": True,
            **_components(page, owed.priority, resolved=True)})
    if target is not None:
        await gateway.update_incident(page_id=page.page_id, incident_id=target, fields={
            **status, "body": body, "deliver_notifications": True, **_components(page, owed.priority, resolved=False)})
        return None
    return await gateway.create_incident(page_id=page.page_id, fields={
        "name": owed.name, "status": owed.status or OPEN_STATUSES[0], "body": body, "deliver_notifications": True,
        "metadata": _marker(owed.incident_id), **_components(page, owed.priority, resolved=False)})


async def _created_before(gateway: StatusPage, page: Statuspage, owed: _Owed) -> str | None:
    marker = _marker(owed.incident_id)["supportbot"]
    for found in await gateway.unresolved_incidents(page_id=page.page_id):
        if ((found.get("metadata") or {}).get("supportbot") or {}).get("incident_id") == marker["incident_id"]:
            return str(found["id"])
    return None


async def _record_failure(deps: Deps, owed: _Owed, attempts: int, error: StatusPageError, now: datetime) -> None:
    message = str(error)[:1000]
    async with deps.sessions.begin() as db:
        incident = await get_incident(db, owed.incident_id)
        assert incident is not None
        if error.retryable:
            retry_at = now + backoff(attempts)
            log.warning("the status page did not take the %s of incident %s (attempt %s), retrying at %s: %s",
                        owed.kind, owed.incident_id, attempts, retry_at.isoformat(), message)
            if await retry_statuspage_update(db, owed.update_id, attempts=attempts, at=retry_at, error=message) \
                    and not owed.failed_before:
                await owe_in_war_room(db, incident, statuspage_failing_text(
                    incident, kind=owed.kind, error=message, retry_at=retry_at), now=now)
        else:
            log.error("the status page refused the %s of incident %s; not retrying: %s",
                      owed.kind, owed.incident_id, message)
            if await fail_statuspage_update(db, owed.update_id, attempts=attempts, now=now, error=message):
                add_incident_event(db, incident, IncidentEventKind.STATUSPAGE_FAILED, actor_id=None, at=now,
                                   detail={"kind": owed.kind, "error": message})
                await owe_in_war_room(db, incident, statuspage_refused_text(incident, kind=owed.kind,
                                                                            error=message), now=now)
    await deliver_outbox(deps)
