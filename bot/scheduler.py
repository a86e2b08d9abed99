"""APScheduler wiring: one AsyncIOScheduler on the server's loop, in-memory job store.

The database is the source of truth for every deadline; the scheduler only wakes the
process. Jobs are declared here with stable ids (also their names, in APScheduler's own log
lines: ``Running job "deadline-sweep (trigger: …)"``), ``replace_existing=True``,
``coalesce=True`` and ``max_instances=1``; ``misfire_grace_time=None`` so a job whose
moment passed while the loop was busy still runs (the default of 1 s drops it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JobFunc = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    """A sweep that runs every ``every``; ``func`` takes no arguments."""

    id: str
    every: timedelta
    func: JobFunc


class Scheduler:
    """A thin owner of the AsyncIOScheduler; ``start()`` must run inside the loop."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        """Stop starting jobs (runs in progress go on; see ``stop``)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop starting jobs and let the runs in progress finish (a claim is never cut in
        half), then shut down: APScheduler's shutdown cancels the runs still in progress."""
        if self._scheduler.running:
            self._scheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        self.shutdown()

    def add_periodic(self, job: PeriodicJob) -> None:
        self._scheduler.add_job(
            self._isolated(job.id, job.func),
            "interval",
            seconds=job.every.total_seconds(),
            id=job.id,
            name=job.id,
            replace_existing=True,
        )

    def wake_at(self, job_id: str, when: datetime, func: JobFunc) -> None:
        """Run ``func`` once at ``when`` (re-armed from the database after each change)."""
        self._scheduler.add_job(
            self._isolated(job_id, func), "date", run_date=when, id=job_id, name=job_id, replace_existing=True
        )

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())

    def job_names(self) -> list[str]:
        return sorted(job.name for job in self._scheduler.get_jobs())

    def _isolated(self, job_id: str, func: JobFunc) -> JobFunc:
        """A failing run is logged and the job stays scheduled; running runs are tracked."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await func()
            except Exception:
                log.exception("scheduled job %s failed", job_id)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run
