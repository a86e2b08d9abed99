"""Every scheduled job, declared in one place with a stable id (DESIGN.md point 11)."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from bot.scheduler import PeriodicJob
from bot.sla_timer import SWEEP_EVERY, run_sla_timers
from workflows.housekeeping import prune_deliveries


def declare_jobs(runtime: Runtime) -> None:
    async def prune() -> None:
        async with runtime.sessions.begin() as db:
            await prune_deliveries(db=db, now=runtime.clock())

    async def sla() -> None:
        await run_sla_timers(runtime)

    runtime.scheduler.add_periodic(PeriodicJob(id="prune-deliveries", every=timedelta(hours=1), func=prune))
    runtime.scheduler.add_periodic(PeriodicJob(id="sla-sweep", every=SWEEP_EVERY, func=sla))
