"""Wakes the process for deadlines (SLA notifications, incident update reminders, resolved
tickets closing after ``tickets.close_after``, quiet ticket threads after
``tickets.update_every``): an exact date job at the next due moment,
re-armed from the database after every run, plus a periodic sweep as a safety net
(it also re-arms, so a deadline written by any replica is picked up within seconds)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.runtime import Runtime
from models.incident_queries import next_incident_due_at
from models.sla_queries import next_due_at
from workflows.incidents.reminders import fire_due_incident_reminders
from workflows.sla.engine import SweepOutcome, fire_due_notifications
from workflows.tickets.closing import close_resolved_tickets, next_close_due
from workflows.tickets.reminders import next_update_due, remind_quiet_tickets

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(seconds=5)
EXACT_JOB_ID = "next-deadline"


async def run_deadline_timers(runtime: Runtime) -> None:
    """Fire what is due, then arm the exact wake-up for the next deadline. SLA
    notifications set aside are counted on ``/metrics``; after a transient database
    error the periodic sweep tries again (not at once, which would spin while it lasts)."""
    outcome = SweepOutcome()
    fired = await fire_due_notifications(deps=runtime.deps, outcome=outcome)
    if fired:
        log.info("fired %d SLA notification(s)", fired)
    for kind in outcome.set_aside:
        runtime.telemetry.count_sla_set_aside(kind)
    reminded = await fire_due_incident_reminders(deps=runtime.deps)
    if reminded:
        log.info("sent %d incident reminder(s)", reminded)
    closed = await close_resolved_tickets(deps=runtime.deps)
    if closed:
        log.info("closed %d resolved ticket(s) after tickets.close_after", closed)
    quiet = await remind_quiet_tickets(deps=runtime.deps)
    if quiet:
        log.info("reminded %d quiet ticket thread(s) (tickets.update_every)", quiet)
    if not outcome.retry_later:
        await arm_next_deadline(runtime)


async def arm_next_deadline(runtime: Runtime) -> None:
    try:
        async with runtime.sessions() as db:
            due = [t for t in (await next_due_at(db), await next_incident_due_at(db),
                               await next_close_due(db, deps=runtime.deps),
                               await next_update_due(db, deps=runtime.deps)) if t is not None]
        when = min(due) if due else None
    except Exception:  # the periodic sweep re-arms; a failed look-up must not escape a task
        log.exception("could not read the next deadline")
        return
    if when is None:
        return
    # The scheduler runs on the real clock; the injected clock decides what is due.
    delay = max(timedelta(0), when - runtime.clock())
    if delay > SWEEP_EVERY * 2:
        return  # the periodic sweep will arm it closer to the time
    runtime.scheduler.wake_at(EXACT_JOB_ID, datetime.now(UTC) + delay, lambda: run_deadline_timers(runtime))
