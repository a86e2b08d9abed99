"""SLA targets and due times of a ticket: pure arithmetic, time is an argument.

    first, resolution = sla_targets(config, "P2", "Payment failed")
    due = due_times(created_at, config=config, priority="P2", category="Payment failed",
                    calendar=WorkingCalendar.from_config(config))
    warn = warn_at(created_at, due.first_response, 0.75, business_hours=True,
                   calendar=calendar)
    format_remaining(now, due.first_response)        # "due in 2h 10m", "overdue by 5m"
    next_due = add_target(now, priority.next_response, business_hours=False, calendar=calendar)
    start = clock_start(due.resolution, resolution_target, business_hours=True, calendar=calendar)
    due = resume_due_at(due.resolution, paused_at, now, business_hours=True, calendar=calendar)

A category's ``first_response``/``resolution``, when set, replace the priority's. A
priority with ``business_hours: true`` counts working time only (``WorkingCalendar``);
the others (P0/P1 in the example policy) run around the clock. Every instant returned
is aware UTC.

Targets are ``Target`` values (``workflows.policy.durations``); a plain ``timedelta`` is
taken as an h/m/s target. Around the clock a target is its length (``1w`` = 7 x 24h).
On business hours its weeks and days are working days, added first (the same time of
day N working days later, ``WorkingCalendar.add_working_days``; ``1w`` = the calendar's
working days in a week), then its hours, minutes and seconds of working time: a P3 of
``resolution: 1w`` opened on a Tuesday at 10:00 is due the next Tuesday at 10:00 on a
Monday-Friday desk without holidays, and ``1d 4h`` from Monday 16:00 (08:00-18:00) is
Tuesday 16:00 plus 4 working hours, Wednesday 10:00.

A paused clock (waiting on the customer) is resumed by :func:`resume_due_at`: the due
time moves by exactly the paused span, counted in the clock's own time (working time for
business-hours priorities), so the time that was left at the pause is left again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from workflows.policy.durations import Target, as_target, format_duration
from workflows.policy.schema import AppConfig
from workflows.policy.working_time import WorkingCalendar

__all__ = ["DueTimes", "sla_targets", "due_times", "warn_at", "format_remaining", "add_target",
           "clock_start", "resume_due_at"]

UTC = timezone.utc


@dataclass(frozen=True)
class DueTimes:
    """When the first response and the resolution of a ticket are due (UTC)."""

    first_response: datetime
    resolution: datetime


def sla_targets(config: AppConfig, priority: str,
                category: str | None) -> tuple[Target, Target]:
    """``(first_response, resolution)`` targets for a ticket of ``priority``/``category``.

    The category's own targets win when set. A category that app.yaml no longer lists
    (or None) has no overrides; an unknown priority raises KeyError.
    """
    targets = config.priority(priority)
    first, resolution = targets.first_response, targets.resolution
    found = config.category(category) if category is not None else None
    if found is not None:
        first = found.first_response or first
        resolution = found.resolution or resolution
    return first, resolution


def due_times(created_at: datetime, *, config: AppConfig, priority: str, category: str | None,
              calendar: WorkingCalendar) -> DueTimes:
    """Due times of a ticket created at ``created_at`` (aware) with these settings."""
    first, resolution = sla_targets(config, priority, category)
    business_hours = config.priority(priority).business_hours
    return DueTimes(first_response=_add(created_at, first, business_hours, calendar),
                    resolution=_add(created_at, resolution, business_hours, calendar))


def warn_at(created_at: datetime, due_at: datetime, fraction: float, *, business_hours: bool,
            calendar: WorkingCalendar) -> datetime:
    """The instant (UTC) when ``fraction`` (0..1) of the time from creation to due is gone.

    For business-hours priorities the share is of working time, so a warning never
    falls at night: 0.75 of a 4 h target started Friday 16:00 is Monday 09:00, not
    Saturday. The due time may include shifts (such as a paused clock); the share is
    taken of whatever lies between ``created_at`` and ``due_at``.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    if business_hours:
        total = calendar.working_time_between(created_at, due_at)
        return calendar.add_working_time(created_at, max(total, timedelta(0)) * fraction)
    start = created_at.astimezone(UTC)
    return start + (due_at.astimezone(UTC) - start) * fraction


def format_remaining(now: datetime, due_at: datetime) -> str:
    """"due in 45m", "due in 2h 10m", "due now" or "overdue by 5m" (whole minutes)."""
    seconds = (due_at - now).total_seconds()
    minutes = int(abs(seconds) / 60 + 0.5)  # to the nearest minute, halves up
    if minutes == 0:
        return "due now"
    text = format_duration(timedelta(minutes=minutes))
    return f"due in {text}" if seconds > 0 else f"overdue by {text}"


def add_target(start: datetime, target: Target | timedelta, *, business_hours: bool,
               calendar: WorkingCalendar) -> datetime:
    """When a clock started at ``start`` with ``target`` is due (working days, then
    working time, if ``business_hours``)."""
    return _add(start, target, business_hours, calendar)


def clock_start(due_at: datetime, target: Target | timedelta, *, business_hours: bool,
                calendar: WorkingCalendar) -> datetime:
    """When a clock of ``target`` that is due at ``due_at`` (started or, after pauses,
    would have started: the due time less the target, in the clock's own time; on
    business hours the working time first, then the working days)."""
    target = as_target(target)
    if business_hours:
        start = calendar.subtract_working_time(due_at, target.time)
        return calendar.subtract_working_days(start, target.working_days(calendar.days_per_week))
    return due_at.astimezone(UTC) - target.around_the_clock


def resume_due_at(due_at: datetime, paused_at: datetime, resumed_at: datetime, *,
                  business_hours: bool, calendar: WorkingCalendar) -> datetime:
    """The due time of a clock paused at ``paused_at`` and resumed at ``resumed_at``.

    Around the clock: shifted by exactly ``resumed_at - paused_at``. Business hours:
    the working time that was left at the pause (``working_time_between(paused_at,
    due_at)``, negative when already overdue) is left again from ``resumed_at``, so the
    shift is the working time of the pause (nothing for a pause over a weekend).
    """
    if resumed_at <= paused_at:
        return due_at.astimezone(UTC)
    if not business_hours:
        return due_at.astimezone(UTC) + (resumed_at - paused_at)
    left = calendar.working_time_between(paused_at, due_at)
    if left >= timedelta(0):
        return calendar.add_working_time(resumed_at, left)
    return calendar.subtract_working_time(resumed_at, -left)


def _add(start: datetime, target: Target | timedelta, business_hours: bool,
         calendar: WorkingCalendar) -> datetime:
    target = as_target(target)
    if business_hours:
        start = calendar.add_working_days(start, target.working_days(calendar.days_per_week))
        return calendar.add_working_time(start, target.time)
    if start.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {start.isoformat()}")
    return start.astimezone(UTC) + target.around_the_clock
