"""Scheduled reports: the ``reports`` section (where, when, and the targets held to)."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BeforeValidator, field_validator

from workflows.policy.problems import show
from workflows.policy.values import ChannelId, Day, PriorityId, Section, TimeOfDay, optional, parse_time, parse_zone

__all__ = ["DEFAULT_FIRST_RESPONSE_ATTAINMENT", "DEFAULT_RESOLUTION_ATTAINMENT", "ReportTargets", "Reports",
           "WeeklyReport"]


def _parse_percent(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
        return float(value)
    raise ValueError(f"{show(value)} is not a percentage between 0 and 100 (e.g. 95)")


def _parse_rating(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 5:
        return float(value)
    raise ValueError(f"{show(value)} is not a rating between 1 and 5 (e.g. 4.5)")


def _parse_optional_time(value: object) -> time | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    return parse_time(value)


Percent = Annotated[float, BeforeValidator(_parse_percent)]
DEFAULT_FIRST_RESPONSE_ATTAINMENT = {"P0": 100.0, "P1": 95.0, "P2": 90.0, "P3": 85.0}
DEFAULT_RESOLUTION_ATTAINMENT = {"P0": 90.0, "P1": 85.0, "P2": 80.0, "P3": 75.0}


class ReportTargets(Section):
    """What the support numbers are held to (the defaults follow the practice documents).

    ``*_attainment``: the least share (%) of a priority's tickets answered / resolved by
    their due time; ``escalation_rate`` and ``reopen_rate``: the most (%) escalated to the
    tiers after tier2 / reopened; ``csat_average``: the least average rating (1-5);
    ``csat_response_rate``: the least share (%) of resolved tickets that get rated;
    ``deflection_rate``: the least share (%) of questions the knowledge base answered
    (deflections / (deflections + tickets opened)).
    """

    first_response_attainment: dict[PriorityId, Percent] = DEFAULT_FIRST_RESPONSE_ATTAINMENT
    resolution_attainment: dict[PriorityId, Percent] = DEFAULT_RESOLUTION_ATTAINMENT
    escalation_rate: Percent = 15.0
    reopen_rate: Percent = 5.0
    csat_average: Annotated[float, BeforeValidator(_parse_rating)] = 4.5
    csat_response_rate: Percent = 80.0
    deflection_rate: Percent = 60.0

    @field_validator("first_response_attainment")
    @classmethod
    def _first_over_defaults(cls, value: dict[str, float]) -> dict[str, float]:
        return {**DEFAULT_FIRST_RESPONSE_ATTAINMENT, **value}

    @field_validator("resolution_attainment")
    @classmethod
    def _resolution_over_defaults(cls, value: dict[str, float]) -> dict[str, float]:
        return {**DEFAULT_RESOLUTION_ATTAINMENT, **value}


class WeeklyReport(Section):
    """When the weekly report is posted: ``day`` at ``time`` (report time zone)."""

    day: Day = "mon"
    time: TimeOfDay = time(9, 0)


class Reports(Section):
    """Scheduled reports in ``channel``: the daily digest at ``daily`` and the weekly
    report at ``weekly`` (either ``off``), in ``timezone`` (default: the policy's)."""

    channel: ChannelId
    daily: Annotated[time | None, BeforeValidator(_parse_optional_time)] = time(9, 0)
    weekly: WeeklyReport | None = WeeklyReport()
    timezone: Annotated[str | None, BeforeValidator(optional(parse_zone))] = None
    targets: ReportTargets = ReportTargets()

    @field_validator("weekly", mode="before")
    @classmethod
    def _weekly_off(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() == "off" else value
