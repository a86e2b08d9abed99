"""Every scheduled job, declared in one place with a stable id (DESIGN.md point 11)."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from bot.scheduler import PeriodicJob
from workflows.housekeeping import prune_deliveries


def declare_jobs(runtime: Runtime) -> None:
    async def prune() -> None:
        async with runtime.sessions.begin() as db:
            await prune_deliveries(db=db, now=runtime.clock())

    runtime.scheduler.add_periodic(PeriodicJob(id="prune-deliveries", every=timedelta(hours=1), func=prune))
