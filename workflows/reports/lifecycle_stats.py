"""The lifecycle in the support stats (`/ticket stats`, `supportbot report`): the backlog by
state at the end of the period, and the time tickets spent in triage in the period.

    lifecycle = await compute_lifecycle(db, since=t0, until=t1, team_id="T1")
    lifecycle.backlog          # [("new", 4), ("triaged", 1), ("in_progress", 7), ("waiting", 2), ("resolved", 3)]
    lifecycle.at               # t1: the backlog is the one at the period's end ("Backlog at …")
    lifecycle.time_in_triage   # Percentiles: median and p90 seconds from opening to first triage

The backlog at ``until`` is every ticket opened before it that was not closed yet, in the
state it was in at that moment: still in the desk's hands, or resolved and awaiting its
reporter's word (closed ones are done). Past states come from the timeline
(``models/lifecycle_queries.py``), read as the lifecycle's table writes it
(``workflows/tickets/states.py``: which rows move a state, :func:`state_from_timeline`);
for ``until`` = now that is the tickets' states now. A tier or category narrows it to the
tickets in it now. Time in triage counts the tickets first triaged within the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.lifecycle_queries import StateRows, states_at, time_in_triage
from models.metrics_queries import Percentiles
from models.tickets import TicketEventKind
from workflows.reports.rolled_triage import rolled_time_in_triage
from workflows.tickets.states import HOLDING_ROWS, PHASE_ROWS, STATE_ROWS, State, is_open, state_from_timeline, words

__all__ = ["BACKLOG_STATES", "LifecycleStats", "backlog_label", "compute_lifecycle", "lifecycle_lines"]

BACKLOG_STATES = [state for state in State if is_open(state)]  # the work not done: resolved is done
_ROWS = StateRows(changes=STATE_ROWS, phases=PHASE_ROWS, holds=HOLDING_ROWS, triage=TicketEventKind.TRIAGED)


@dataclass(frozen=True)
class LifecycleStats:
    backlog: list[tuple[str, int]]  # (state, tickets in it at ``at``), in the lifecycle's order
    time_in_triage: Percentiles
    at: datetime                    # the end of the period: when the backlog stood so

    @property
    def backlog_total(self) -> int:
        return sum(n for _, n in self.backlog)


async def compute_lifecycle(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                            tier: str | None = None, category: str | None = None,
                            rollups: ZoneInfo | None = None) -> LifecycleStats:
    """``rollups``: the reports' zone, to read the whole desk's time in triage from the
    daily rollups where it can (``workflows/reports/rolled_triage.py``: the same figures)."""
    then = await states_at(db, at=until, statuses=BACKLOG_STATES, rows=_ROWS, team_id=team_id, tier=tier,
                           category=category)
    counts = dict(then.unchanged)
    for last, held, triaged, n in then.changed:
        state = state_from_timeline(last, held=held, triaged=triaged)
        if state in counts:  # resolved or closed by then: done, not backlog
            counts[state] += n
    triage = None
    if rollups is not None and tier is None and category is None:
        triage = await rolled_time_in_triage(db, since=since, until=until, team_id=team_id, zone=rollups)
    if triage is None:
        triage = await time_in_triage(db, since=since, until=until, team_id=team_id, tier=tier, category=category)
    return LifecycleStats(backlog=[(str(state), counts[state]) for state in BACKLOG_STATES], time_in_triage=triage,
                          at=until)


def lifecycle_lines(stats: LifecycleStats, seconds: Callable[[int | None], str], zone: ZoneInfo) -> list[str]:
    """The lines of the stats message's lifecycle section (``seconds``: how durations read;
    ``zone``: where the backlog's moment is read)."""
    states = " · ".join(f"{words(state)} {n}" for state, n in stats.backlog)
    triage = stats.time_in_triage
    waited = (f"median {seconds(triage.median)} / p90 {seconds(triage.p90)} ({triage.count} triaged)"
              if triage.count else "no ticket triaged in this period")
    return [f"• {backlog_label(stats.at, zone)}: {stats.backlog_total} — {states}", f"• Time in triage: {waited}"]


def backlog_label(at: datetime, zone: ZoneInfo, fmt: str = "%a %d %b %H:%M") -> str:
    """"Backlog at Tue 03 Mar 14:30": the moment the backlog stood so, in ``zone``."""
    return f"Backlog at {at.astimezone(zone).strftime(fmt)}"
