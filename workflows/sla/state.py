"""Where each SLA clock of a ticket stands at a moment: a pure function of its state.

    for standing in clock_standings(ticket, config, calendar, now):
        standing.clock, standing.state, standing.text   # "resolution", AT_RISK, "At risk · due in 40m"

- On track: running, before its warning point (``warn_at`` of the target);
- At risk: running, past the warning point (when the warning is posted);
- Breached: running past its due time, or stopped after it (answered or resolved late);
- Paused (waiting on customer): the resolution clock while the ticket waits;
- Met: stopped in time (answered, resolved).

The warning points are the SLA plan's own (``workflows.sla.plan.running_clocks``), so
the card turns "At risk" exactly when the warning goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workflows.policy.schema import AppConfig
from workflows.policy.durations import format_duration
from models.tickets import Ticket
from workflows.sla.plan import (
    FIRST_RESPONSE,
    NEXT_RESPONSE,
    RESOLUTION,
    TIER_RESPONSE,
    ClockWindow,
    running_clocks,
)
from workflows.sla.targets import format_remaining
from workflows.policy.working_time import WorkingCalendar
from workflows.tickets.states import is_done

__all__ = ["ClockStanding", "ClockState", "clock_standings", "standing_of"]


class ClockState(StrEnum):
    ON_TRACK = "On track"
    AT_RISK = "At risk"
    BREACHED = "Breached"
    PAUSED = "Paused (waiting on customer)"
    MET = "Met"


@dataclass(frozen=True)
class ClockStanding:
    """One clock at one moment: ``detail`` is plain words ("due in 45m", "overdue by
    5m", "answered 10m late"), empty when the state says it all."""

    clock: str
    state: ClockState
    due_at: datetime | None
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.state} · {self.detail}" if self.detail else str(self.state)


def _late(done: datetime, due: datetime) -> str:
    return format_duration(timedelta(minutes=round((done - due).total_seconds() / 60)))


def _stopped(clock: str, done: datetime, due: datetime | None, verb: str) -> ClockStanding:
    if due is None or done <= due:
        return ClockStanding(clock, ClockState.MET, due)
    return ClockStanding(clock, ClockState.BREACHED, due, f"{verb} {_late(done, due)} late")


def _running(window: ClockWindow, now: datetime) -> ClockStanding:
    if now >= window.due_at:
        state = ClockState.BREACHED
    elif window.warn_at is not None and now >= window.warn_at:
        state = ClockState.AT_RISK
    else:
        state = ClockState.ON_TRACK
    remaining = format_remaining(now, window.due_at)
    if state == ClockState.BREACHED and remaining == "due now":
        remaining = "overdue now"  # less than half a minute past the due time
    return ClockStanding(window.name, state, window.due_at, remaining)


def clock_standings(ticket: Ticket, config: AppConfig, calendar: WorkingCalendar,
                    now: datetime) -> list[ClockStanding]:
    """Each SLA clock the ticket has (first response, next response while one is owed,
    resolution, the response of the tier it was escalated to while one is owed), where
    it stands at ``now``. Empty for a priority app.yaml no longer has."""
    try:
        running = {clock.name: clock for clock in running_clocks(ticket, config, calendar)}
    except KeyError:
        return []
    standings: list[ClockStanding] = []
    if ticket.first_response_at is not None:
        standings.append(_stopped(FIRST_RESPONSE, ticket.first_response_at, ticket.first_response_due_at, "answered"))
    elif FIRST_RESPONSE in running:
        standings.append(_running(running[FIRST_RESPONSE], now))
    if NEXT_RESPONSE in running:
        standings.append(_running(running[NEXT_RESPONSE], now))
    if is_done(ticket.status) and ticket.resolved_at is not None:
        standings.append(_stopped(RESOLUTION, ticket.resolved_at, ticket.resolution_due_at, "resolved"))
    elif ticket.waiting_since is not None and ticket.resolution_due_at is not None:
        standings.append(ClockStanding(RESOLUTION, ClockState.PAUSED, ticket.resolution_due_at))
    elif RESOLUTION in running:
        standings.append(_running(running[RESOLUTION], now))
    if TIER_RESPONSE in running:
        standings.append(_running(running[TIER_RESPONSE], now))
    return standings


def standing_of(standings: list[ClockStanding], clock: str) -> ClockStanding | None:
    return next((s for s in standings if s.clock == clock), None)
