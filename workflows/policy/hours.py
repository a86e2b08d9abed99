"""When the desk works: ``business_hours`` and ``holidays`` (working time reads them)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

import holidays as holidays_lib
from pydantic import BeforeValidator, Field, field_validator, model_validator

from workflows.policy.durations import Target
from workflows.policy.problems import raise_problems, show
from workflows.policy.values import DAYS, Day, Section, TimeOfDay

__all__ = ["BusinessHours", "Holidays"]


class BusinessHours(Section):
    """Working days and hours (in ``AppConfig.timezone``); ``end`` is after ``start``."""

    days: list[Day] = Field(min_length=1)
    start: TimeOfDay
    end: TimeOfDay

    @field_validator("days")
    @classmethod
    def _no_repeats(cls, days: list[str]) -> list[str]:
        repeated = sorted({d for d in days if days.count(d) > 1}, key=DAYS.index)
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once")
        return days

    @model_validator(mode="after")
    def _end_after_start(self) -> BusinessHours:
        if self.end <= self.start:
            raise_problems([(("end",), f"{self.end:%H:%M} is not later than start "
                                       f"({self.start:%H:%M})")], self.end)
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        """The working days as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(DAYS.index(d) for d in self.days)

    @property
    def day_length(self) -> timedelta:
        """The working time of an ordinary working day (``end`` less ``start``)."""
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def working_length(self, target: Target) -> timedelta:
        """About how much working time ``target`` is: its working days at ``day_length``
        each (``1w`` = as many days as ``days`` lists), plus its h/m/s part. Exact on
        ordinary days; for comparing targets and explaining them, not for due times."""
        return target.working_days(len(self.days)) * self.day_length + target.time


def _parse_country(value: object) -> str:
    if isinstance(value, str) and value.strip():
        code = value.strip().upper()
        # Ask the list, not country_holidays(): some strings (e.g. "MON") crash it with a TypeError.
        if code in holidays_lib.list_supported_countries():
            return code
    raise ValueError(f"{show(value)} is not a country code known to the holidays "
                     "library (like US, GB, DE)")


def _parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{show(value)} is not a date (use YYYY-MM-DD)")


class Holidays(Section):
    """Public holidays (from the ``holidays`` package) plus our own extra days off."""

    country: Annotated[str, BeforeValidator(_parse_country)]
    subdivision: str | None = None
    extra: list[Annotated[date, BeforeValidator(_parse_date)]] = []

    @model_validator(mode="after")
    def _known_subdivision(self) -> Holidays:
        if self.subdivision is not None:
            try:
                holidays_lib.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                raise_problems([(("subdivision",), f"{show(self.subdivision)} is not a subdivision "
                                                   f"of {self.country}")], self.subdivision)
        return self

    def calendar(self) -> holidays_lib.HolidayBase:
        """A fresh holiday calendar (``day in calendar``), years filled in on demand."""
        cal = holidays_lib.country_holidays(self.country, subdiv=self.subdivision)
        cal.update({day: "Company holiday" for day in self.extra})
        return cal
