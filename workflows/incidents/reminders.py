"""The update cadences: a reminder in the war room when a status update (or a customer
update) is due and none was posted since the last one; each one exactly once.

A status update moves ``next_update_due_at`` to a full period after it, so a due time
that is reached means nothing was posted in that period. One reminder per
transaction: ``claim_due_reminder`` moves the due time one period on with a
conditional UPDATE (``WHERE next_update_due_at = :seen``; SKIP LOCKED on Postgres) and
the ``reminder_sent`` timeline row and the message (owed to the outbox) are written in
the same transaction. Two sweepers on one database, or a restarted process, never send
a reminder twice; after downtime one catch-up reminder goes out, not a burst.

The scheduler (``bot/``) calls ``fire_due_incident_reminders`` from its sweep and wakes
at ``next_incident_due_at``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from models.incident_queries import add_incident_event, claim_due_reminder
from models.incident_queries import (
    next_incident_due_at as next_incident_due_at,  # the scheduler's wake-up
)
from models.incidents import Incident, IncidentEventKind
from workflows.incidents.messages.posts import reminder_text
from workflows.deps import Deps
from workflows.incidents.rules import external_cadence, next_due_after, update_cadence
from workflows.incidents.war_room import owe_in_war_room
from workflows.outbox.enqueue import deliver_outbox

log = logging.getLogger(__name__)

__all__ = ["fire_due_incident_reminders", "next_incident_due_at"]

MAX_PER_SWEEP = 500


@dataclass(frozen=True)
class _Reminder:
    incident: Incident
    external: bool
    due_at: datetime
    now: datetime


async def _claim_and_record(deps: Deps, external: bool) -> _Reminder | None:
    now = deps.clock()
    cadence = external_cadence if external else update_cadence

    def next_due(priority: str, seen: datetime) -> datetime | None:
        return next_due_after(seen, cadence(deps.config, priority), now)

    async with deps.sessions.begin() as db:
        claimed = await claim_due_reminder(db, external=external, now=now, next_due=next_due)
        if claimed is None:
            return None
        incident, seen = claimed
        kind = IncidentEventKind.EXTERNAL_REMINDER_SENT if external else IncidentEventKind.REMINDER_SENT
        column = incident.next_external_update_due_at if external else incident.next_update_due_at
        add_incident_event(db, incident, kind, actor_id=None, at=now, detail={
            "due_at": seen.isoformat(), "next_due_at": column.isoformat() if column else None,
            "late": (now - seen).total_seconds() >= 60,
        })
        await owe_in_war_room(db, incident, reminder_text(incident, now=now, external=external), now=now)
        return _Reminder(incident=incident, external=external, due_at=seen, now=now)


async def fire_due_incident_reminders(*, deps: Deps) -> int:
    """Send every incident reminder due now (status, then customer updates); how many."""
    sent = 0
    for external in (False, True):
        for _ in range(MAX_PER_SWEEP):
            try:
                reminder = await _claim_and_record(deps, external)
            except Exception:
                log.exception("could not claim due incident reminders; the next sweep retries")
                break
            if reminder is None:
                break
            sent += 1
    if sent:
        try:
            await deliver_outbox(deps)
        except Exception:
            log.exception("incident reminders were recorded and are owed to Slack; the outbox relay sends them")
    return sent

