"""The desk's shape: ``channels``, ``priorities`` (the SLA targets), ``tiers`` and
``categories`` (which tier a ticket starts at and where it escalates)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, model_validator

from workflows.policy.durations import format_duration
from workflows.policy.problems import raise_problems, show
from workflows.policy.values import ChannelId, Duration, Name, OptionalDuration, Section, TierId, UserId, parse_name

__all__ = ["Category", "Channels", "Priority", "Tier"]


class Channels(Section):
    """Slack channel ids: where new tickets land, incidents are announced, pages go."""

    triage: ChannelId
    incidents: ChannelId
    oncall: ChannelId


def _check_resolution(model):
    """After-validator shared by Priority and Category: resolution >= first_response."""
    first, resolution = model.first_response, model.resolution
    if first and resolution and resolution < first:
        raise_problems([(("resolution",), f"{format_duration(resolution)} is shorter than "
                                          f"first_response ({format_duration(first)})")], resolution)
    return model


def _parse_fraction(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(f"{show(value)} is not between 0 and 1 "
                     "(e.g. 0.75: warn when 75% of the time has passed)")


class Priority(Section):
    """SLA targets for one priority; ``business_hours`` counts only working time.

    ``next_response`` (optional): once a ticket has its first response, each time the
    reporter writes in the thread an agent must answer within it. None: no such clock.
    """

    name: Name
    first_response: Duration
    resolution: Duration
    warn_at: Annotated[float, BeforeValidator(_parse_fraction)]
    page: bool
    business_hours: bool
    next_response: OptionalDuration = None

    _resolution_not_shorter = model_validator(mode="after")(_check_resolution)


class Tier(Section):
    """A support team: its channel, and whether handing a ticket to it pages on-call.

    ``members`` (optional) are the Slack user ids of the team's agents: their App Home
    shows this tier's queue.
    """

    id: TierId
    name: Name
    channel: ChannelId
    page: bool = False
    members: list[UserId] = []


def _parse_category_name(value: object) -> str:
    name = parse_name(value)
    if len(name) > 75:
        raise ValueError("is longer than 75 characters (the most a Slack menu shows)")
    return name


class Category(Section):
    """A kind of ticket: its first tier (None: triage) and where it escalates, in order.

    ``first_response``/``resolution``, when set, override the priority's targets for
    tickets of this category.
    """

    name: Annotated[str, BeforeValidator(_parse_category_name)]
    tier: TierId | None = None
    escalation: list[TierId] = []
    first_response: OptionalDuration = None
    resolution: OptionalDuration = None
    description: str | None = None

    _resolution_not_shorter = model_validator(mode="after")(_check_resolution)
