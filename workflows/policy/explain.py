"""What an SLA target means on its clock, in one line: for `check-config` and `simulate`.

    target_meaning(Target(weeks=1), business_hours=True, hours=config.business_hours)
    # '1w = 5 working days, at the same time of day'
    target_notes(config)
    # ['priorities.P2.resolution: 24h = 24 working hours ≈ 2.4 working days', ...]

On business hours ``d`` and ``w`` count working days and ``h``, ``m``, ``s`` working time
(``workflows.sla.targets``). A note is written for each business-hours target a reader
could take for calendar time: one with days or weeks, or hours of at least a working day.
"""

from __future__ import annotations

from datetime import timedelta

from workflows.policy.durations import Target
from workflows.policy.hours import BusinessHours
from workflows.policy.schema import AppConfig

__all__ = ["calendar_summary", "target_meaning", "target_notes"]

_FIELDS = ("first_response", "resolution", "next_response")


def _days(count: float) -> str:
    return f"{count:g} working day" + ("" if count == 1 else "s")


def _hours(time: timedelta) -> str:
    hours = time / timedelta(hours=1)
    return f"{hours:g} working hour" + ("" if hours == 1 else "s")


def target_meaning(target: Target, *, business_hours: bool, hours: BusinessHours) -> str:
    """``target`` in words on its clock (``hours``: the policy's business hours)."""
    if not business_hours:
        return f"{target} around the clock"
    per_week = len(hours.days)
    if target.has_days:
        days = target.working_days(per_week)
        text = f"{target} = {_days(days)}"
        if target.time:
            return f"{text}, then {_hours(target.time)}"
        return f"{text}, at the same time of day"
    text = f"{target} = {_hours(target.time)}"
    share = target.time / hours.day_length
    if share >= 1:  # about: a day's length can differ (a DST change inside the hours)
        text += f" ≈ {_days(round(share, 1))}"
    return text


def _ambiguous(target: Target, hours: BusinessHours) -> bool:
    return target.has_days or target.time >= hours.day_length


def calendar_summary(config: AppConfig) -> str:
    """'business hours: mon, tue, wed, thu, fri 08:00-18:00 America/New_York, closed on US
    public holidays and 2 more days; a working day is 10h, 1w is 5 working days'."""
    hours = config.business_hours
    days = ", ".join(hours.days)
    day = hours.day_length / timedelta(hours=1)
    holidays = ""
    if config.holidays is not None:
        extra = len(config.holidays.extra)
        holidays = f", closed on {config.holidays.country} public holidays" + (
            f" and {extra} more day{'s' if extra != 1 else ''}" if extra else "")
    return (f"business hours: {days} {hours.start:%H:%M}-{hours.end:%H:%M} {config.timezone}{holidays}; "
            f"a working day is {day:g}h, 1w is {_days(len(hours.days))}")


def target_notes(config: AppConfig) -> list[str]:
    """One line per business-hours target that needs saying what it means."""
    hours = config.business_hours
    notes: list[str] = []
    for pid, priority in config.priorities.items():
        if not priority.business_hours:
            continue
        for field in _FIELDS:
            target = getattr(priority, field)
            if target is not None and _ambiguous(target, hours):
                notes.append(f"priorities.{pid}.{field}: "
                             f"{target_meaning(target, business_hours=True, hours=hours)}")
    working = [pid for pid, p in config.priorities.items() if p.business_hours]
    if working:
        for i, category in enumerate(config.categories):
            for field in _FIELDS[:2]:
                target = getattr(category, field)
                if target is not None and _ambiguous(target, hours):
                    notes.append(f"categories[{i}].{field} ({category.name}): "
                                 f"{target_meaning(target, business_hours=True, hours=hours)} "
                                 f"on {', '.join(working)}")
    return notes
