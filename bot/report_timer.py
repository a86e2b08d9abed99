"""Wakes the process for scheduled reports (app.yaml ``reports``).

A sweep every minute posts whatever report period has ended and is not posted yet
(``workflows.reports.scheduled.run_due_reports``: claimed once in the database, so every replica
may run it), and one run at startup posts a period missed while the bot was down. The
scheduler runs on the real clock; the injected clock decides what is due.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.runtime import Runtime
from bot.scheduler import PeriodicJob
from workflows.reports.scheduled import run_due_reports

log = logging.getLogger(__name__)

__all__ = ["REPORT_SWEEP_EVERY", "declare_report_jobs", "run_report_timers"]

REPORT_SWEEP_EVERY = timedelta(minutes=1)
SWEEP_JOB_ID = "reports-sweep"
STARTUP_JOB_ID = "reports-at-startup"


async def run_report_timers(runtime: Runtime) -> int:
    """Post the reports that are due now; how many were posted."""
    posted = await run_due_reports(deps=runtime.deps, now=runtime.clock())
    if posted:
        log.info("posted %d scheduled report(s)", posted)
    return posted


def declare_report_jobs(runtime: Runtime) -> None:
    """The minute sweep and the startup run; nothing when app.yaml has no ``reports``."""
    if runtime.config.reports is None:
        return

    async def sweep() -> None:
        await run_report_timers(runtime)

    runtime.scheduler.add_periodic(PeriodicJob(id=SWEEP_JOB_ID, every=REPORT_SWEEP_EVERY, func=sweep))
    runtime.scheduler.wake_at(STARTUP_JOB_ID, datetime.now(UTC), sweep)
