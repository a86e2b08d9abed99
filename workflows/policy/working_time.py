"""Working-time arithmetic: the SLA clock of priorities with ``business_hours: true``.

    calendar = WorkingCalendar.from_config(config)
    due = calendar.add_working_time(created_at, timedelta(hours=4))
    left = calendar.working_time_between(now, due)
    start = calendar.subtract_working_time(due, timedelta(hours=4))   # created_at, or the opening after it
    due = calendar.add_working_days(created_at, 5)     # the same time of day, 5 working days later

The clock runs only inside the working hours (``start``..``end`` wall-clock time in the
calendar's zone) of working days (``days``, Monday is 0) that are not holidays. Every
instant going in or out is an aware datetime; results are in UTC.

DST: each day's opening and closing are built as *local wall-clock* times on that local
date and converted with zoneinfo, so 08:00 is 08:00 on both sides of a change (13:00Z
before 2026-03-08 in America/New_York, 12:00Z after). A day whose hours contain a change
counts its real length (a 00:00-06:00 desk works 5 h on a spring-forward night). A
wall-clock time that does not exist (02:30 on a spring-forward day) is read with the
offset before the change (that is, 03:30 new time); an ambiguous one is its first
occurrence.

Intervals are half-open: the clock runs at the opening instant, not at the closing one.
A sum that ends exactly at closing time is closing time, not the next morning.

Working days (``add_working_days``): N working days after a moment is the same local
time of day on the N-th working day after it (weekends, holidays and days without working
time skipped), clamped into that day's working hours (on ordinary days the time always
fits). A moment outside working hours first moves to the next opening: before opening
counts from that day's opening, after closing (closing included) or on a closed day from
the next working day's opening. Saturday 11:00 plus one working day is Tuesday 08:00 on a
Monday-Friday 08:00-18:00 desk.

The work is done day by day (never minute by minute), so years of working time cost a few
thousand cheap steps; a calendar that never opens is refused (no working days at
construction, or no working moment within ``MAX_CLOSED_DAYS`` in a row, e.g. a holiday
container that contains every date).
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from workflows.policy.schema import AppConfig

__all__ = ["WorkingCalendar", "MAX_CLOSED_DAYS"]

UTC = timezone.utc
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
# More closed days in a row than this means the calendar never opens (a bug, not a policy).
MAX_CLOSED_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and hours in ``zone``, minus ``holidays`` (any container of dates)."""

    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    holidays: Container[date] = field(default=frozenset(), hash=False)

    def __post_init__(self) -> None:
        days = frozenset(self.days)
        if not days:
            raise ValueError("a working calendar needs at least one working day")
        if not days <= set(range(7)):
            raise ValueError(f"working days are 0 (Monday) to 6 (Sunday), got {sorted(days)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are wall-clock times without a time zone")
        if self.end <= self.start:
            raise ValueError(f"closing time {self.end:%H:%M} is not after opening "
                             f"time {self.start:%H:%M}")
        object.__setattr__(self, "days", days)

    @property
    def days_per_week(self) -> int:
        """Working days in a week: what ``1w`` of working days is (5 for Mon-Fri)."""
        return len(self.days)

    @classmethod
    def from_config(cls, config: AppConfig) -> WorkingCalendar:
        """The calendar of app.yaml: ``business_hours``, ``timezone`` and ``holidays``."""
        hours = config.business_hours
        holidays = config.holidays.calendar() if config.holidays is not None else frozenset()
        return cls(zone=config.zone, days=hours.weekdays, start=hours.start, end=hours.end,
                   holidays=holidays)

    # ------------------------------------------------------------------ queries

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` (a local date) is a working weekday and not a holiday."""
        return day.weekday() in self.days and day not in self.holidays

    def is_working(self, at: datetime) -> bool:
        """True when the clock runs at ``at`` (opening included, closing excluded)."""
        at = _utc(at)
        day = at.astimezone(self.zone).date()
        if not self.is_working_day(day):
            return False
        opening, closing = self._bounds(day)
        return opening <= at < closing

    def next_opening(self, at: datetime) -> datetime:
        """The first instant at or after ``at`` when the clock runs (``at`` if it runs)."""
        at = _utc(at)
        for opening, closing in self._intervals_from(at):
            if at < closing:
                return max(opening, at)
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant (UTC) at which ``amount`` of working time has run since ``start``.

        A ``start`` outside working hours begins counting at the next opening; a result
        exactly at closing time stays there. A zero ``amount`` returns ``start`` itself.
        """
        if amount < ZERO:
            raise ValueError(f"cannot add a negative amount of working time ({amount})")
        start = _utc(start)
        remaining = amount
        if not remaining:
            return start
        for opening, closing in self._intervals_from(start):
            begin = max(opening, start)
            if begin >= closing:
                continue
            if remaining <= closing - begin:
                return begin + remaining
            remaining -= closing - begin
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def subtract_working_time(self, end: datetime, amount: timedelta) -> datetime:
        """The instant (UTC) from which ``amount`` of working time runs until ``end``.

        The other way round from ``add_working_time``: ``working_time_between(
        subtract_working_time(e, x), e) == x``. Counting back from an ``end`` outside
        working hours starts at the last closing before it; a result exactly at opening
        time stays there. A zero ``amount`` returns ``end`` itself.
        """
        if amount < ZERO:
            raise ValueError(f"cannot subtract a negative amount of working time ({amount})")
        end = _utc(end)
        remaining = amount
        if not remaining:
            return end
        for opening, closing in self._intervals_from(end, backwards=True):
            finish = min(closing, end)
            if finish <= opening:
                continue
            if remaining <= finish - opening:
                return finish - remaining
            remaining -= finish - opening
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def add_working_days(self, start: datetime, count: int) -> datetime:
        """The instant (UTC) ``count`` working days after ``start``: the same local time of
        day on the ``count``-th working day after it, clamped into that day's hours.

        A ``start`` outside working hours counts from the next opening (see the module
        docstring). Zero returns ``start`` itself.
        """
        if count < 0:
            raise ValueError(f"cannot add a negative number of working days ({count})")
        start = _utc(start)
        if not count:
            return start
        start = self.next_opening(start)
        local = start.astimezone(self.zone)
        for n, (day, opening, closing) in enumerate(self._working_days_from(start)):
            if n == count:
                return _clamp(datetime.combine(day, local.time(), tzinfo=self.zone), opening, closing)
        raise AssertionError("unreachable: _working_days_from never ends")  # pragma: no cover

    def subtract_working_days(self, end: datetime, count: int) -> datetime:
        """The instant (UTC) ``count`` working days before ``end``: the other way round
        from ``add_working_days``, so ``working_time_between(subtract_working_days(e, n), e)``
        is ``n`` working days. An ``end`` outside working hours counts back from the last
        closing before it. Zero returns ``end`` itself.
        """
        if count < 0:
            raise ValueError(f"cannot subtract a negative number of working days ({count})")
        end = _utc(end)
        if not count:
            return end
        days = self._working_days_from(end, backwards=True)
        for day, opening, closing in days:
            if end >= opening:
                end = min(end, closing)
                break
        local = end.astimezone(self.zone)
        for n, (day, opening, closing) in enumerate(days, start=1):
            if n == count:
                return _clamp(datetime.combine(day, local.time(), tzinfo=self.zone), opening, closing)
        raise AssertionError("unreachable: _working_days_from never ends")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; negative when ``end`` is earlier.

        The inverse of ``add_working_time``: ``working_time_between(s, add_working_time(s,
        x)) == x``. Negative values read as "overdue by" when ``end`` is a due time.
        """
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.working_time_between(end, start)
        total = ZERO
        for opening, closing in self._intervals_from(start):
            if opening >= end:
                break
            overlap = min(closing, end) - max(opening, start)
            if overlap > ZERO:
                total += overlap
        return total

    # ------------------------------------------------------------------ internals

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing of local date ``day`` as UTC instants."""
        return _day_bounds(self.zone, day, self.start, self.end)

    def _intervals_from(self, at: datetime, *, backwards: bool = False) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) of every working day from ``at``'s local date on, in
        order (``backwards``: that day and every day before it, latest first).

        Endless; raises ValueError after ``MAX_CLOSED_DAYS`` days in a row without one.
        """
        for _, opening, closing in self._working_days_from(at, backwards=backwards):
            yield opening, closing

    def _working_days_from(self, at: datetime, *,
                           backwards: bool = False) -> Iterator[tuple[date, datetime, datetime]]:
        """``_intervals_from`` with each interval's local date first."""
        day = at.astimezone(self.zone).date()
        step = -ONE_DAY if backwards else ONE_DAY
        closed = 0
        while True:
            if self.is_working_day(day):
                opening, closing = self._bounds(day)
                if opening < closing:
                    closed = 0
                    yield day, opening, closing
            closed += 1
            if closed > MAX_CLOSED_DAYS:
                raise ValueError(f"the working calendar has no working time in the "
                                 f"{MAX_CLOSED_DAYS} days before {day.isoformat()}")
            try:
                day += step
            except OverflowError:
                raise ValueError("working time runs past the first or last representable date") from None


@lru_cache(maxsize=8192)
def _day_bounds(zone: ZoneInfo, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Local ``day`` at ``start`` and at ``end`` in ``zone``, converted to UTC.

    On a day where the hours straddle a spring-forward gap the closing can come before
    the opening in real time (start 02:30, end 03:00); callers treat that day as closed.
    """
    opening = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    closing = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    return opening, closing


def _clamp(at: datetime, opening: datetime, closing: datetime) -> datetime:
    """``at`` (aware) as UTC, moved into ``[opening, closing]`` when it falls outside."""
    return min(max(at.astimezone(UTC), opening), closing)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {at.isoformat()}")
    return at.astimezone(UTC)
