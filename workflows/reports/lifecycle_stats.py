"""The lifecycle in the support stats (`/ticket stats`, `supportbot report`): the backlog by
state now, and the time tickets spent in triage in the period.

    lifecycle = await compute_lifecycle(db, since=t0, until=t1, team_id="T1")
    lifecycle.backlog          # [("new", 4), ("triaged", 1), ("in_progress", 7), ("waiting", 2), ("resolved", 3)]
    lifecycle.time_in_triage   # Percentiles: median and p90 seconds from opening to triage

The backlog counts every state a ticket is still in the desk's hands or awaiting its
reporter's word (closed ones are done); the states and their words are the lifecycle's
(``workflows/tickets/states.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.lifecycle_queries import count_by_state, time_in_triage
from models.metrics_queries import Percentiles
from workflows.tickets.states import State, is_closed, words

__all__ = ["BACKLOG_STATES", "LifecycleStats", "compute_lifecycle", "lifecycle_lines"]

BACKLOG_STATES = [state for state in State if not is_closed(state)]


@dataclass(frozen=True)
class LifecycleStats:
    backlog: list[tuple[str, int]]  # (state, tickets in it now), in the lifecycle's order
    time_in_triage: Percentiles

    @property
    def backlog_total(self) -> int:
        return sum(n for _, n in self.backlog)


async def compute_lifecycle(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                            tier: str | None = None, category: str | None = None) -> LifecycleStats:
    counts = await count_by_state(db, statuses=BACKLOG_STATES, team_id=team_id, tier=tier, category=category)
    triage = await time_in_triage(db, since=since, until=until, team_id=team_id, tier=tier, category=category)
    return LifecycleStats(backlog=[(str(state), counts[state]) for state in BACKLOG_STATES], time_in_triage=triage)


def lifecycle_lines(stats: LifecycleStats, seconds: Callable[[int | None], str]) -> list[str]:
    """The lines of the stats message's lifecycle section (``seconds``: how durations read)."""
    states = " · ".join(f"{words(state)} {n}" for state, n in stats.backlog)
    triage = stats.time_in_triage
    waited = (f"median {seconds(triage.median)} / p90 {seconds(triage.p90)} ({triage.count} triaged)"
              if triage.count else "no ticket triaged in this period")
    return [f"• Backlog now: {stats.backlog_total} — {states}", f"• Time in triage: {waited}"]
