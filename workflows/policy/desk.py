"""The desk's shape: ``channels``, ``priorities`` (the SLA targets), ``tiers`` and
``categories`` (which tier a ticket starts at and where it escalates)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, model_validator

from workflows.policy.durations import Target
from workflows.policy.escalation import TierMention
from workflows.policy.hours import BusinessHours
from workflows.policy.problems import Problem, show
from workflows.policy.values import (
    ChannelId,
    Name,
    OptionalSlaTarget,
    Section,
    SlaTarget,
    TierId,
    UserId,
    optional,
    parse_name,
)

__all__ = ["ASSIGNMENT_MODES", "Category", "Channels", "Priority", "Tier", "target_problems"]


class Channels(Section):
    """Slack channel ids: where new tickets land, incidents are announced, pages go."""

    triage: ChannelId
    incidents: ChannelId
    oncall: ChannelId


def _shorter(resolution: Target, first: Target, hours: BusinessHours | None) -> bool:
    """Whether ``resolution`` is shorter than ``first`` on a clock: working time (``hours``)
    or around the clock (None)."""
    if hours is None:
        return resolution.around_the_clock < first.around_the_clock
    return hours.working_length(resolution) < hours.working_length(first)


def target_problems(priorities: dict[str, Priority], categories: list[Category],
                    hours: BusinessHours) -> list[Problem]:
    """Each resolution target shorter than its first response, read as its clock reads it.

    A priority's pair is read on the priority's own clock. A category's overrides apply to
    every priority, so its pair is read on every kind of clock the priorities use, and the
    problem says on which one it is shorter when the other is fine (``1d`` is one working
    day, 10h on an 08:00-18:00 desk, but 24h around the clock).
    """
    problems: list[Problem] = []
    for pid, priority in priorities.items():
        first, resolution = priority.first_response, priority.resolution
        if _shorter(resolution, first, hours if priority.business_hours else None):
            problems.append((("priorities", pid, "resolution"),
                             f"{resolution} is shorter than first_response ({first})"))
    clocks = {p.business_hours for p in priorities.values()}
    for i, category in enumerate(categories):
        first, resolution = category.first_response, category.resolution
        if first is None or resolution is None:
            continue
        on = [bh for bh in sorted(clocks) if _shorter(resolution, first, hours if bh else None)]
        if on:
            where = "" if len(on) == len(clocks) else (" on business-hours priorities" if on[0]
                                                      else " around the clock")
            problems.append((("categories", i, "resolution"),
                             f"{resolution} is shorter than first_response ({first}){where}"))
    return problems


def _parse_fraction(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(f"{show(value)} is not between 0 and 1 "
                     "(e.g. 0.75: warn when 75% of the time has passed)")


class Priority(Section):
    """SLA targets for one priority; ``business_hours`` counts only working time, and then
    the targets' ``d`` and ``w`` count working days (``workflows.policy.durations.Target``).

    ``next_response`` (optional): once a ticket has its first response, each time the
    reporter writes in the thread an agent must answer within it. None: no such clock.
    ``page_on_open``: page on-call as soon as a ticket of this priority is opened (the
    same page a breach would trigger, which a later breach then updates).
    """

    name: Name
    first_response: SlaTarget
    resolution: SlaTarget
    warn_at: Annotated[float, BeforeValidator(_parse_fraction)]
    page: bool
    business_hours: bool
    next_response: OptionalSlaTarget = None
    page_on_open: bool = False


def _parse_assignment(value: object) -> str:
    if value in ASSIGNMENT_MODES:
        return value  # type: ignore[return-value]
    raise ValueError(f"{show(value)} is not an assignment mode (use {' or '.join(ASSIGNMENT_MODES)})")


def _parse_max_open(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_OPEN_LIMIT:
        return value
    raise ValueError(f"{show(value)} is not a number of open tickets from 1 to {MAX_OPEN_LIMIT}")


#: How a tier hands out its new and escalated tickets: to the next member in turn, or to
#: the member with the fewest open tickets (``workflows/tickets/assignment.py``).
ASSIGNMENT_MODES = ("round_robin", "least_open")
MAX_OPEN_LIMIT = 1000


class Tier(Section):
    """A support team: its channel, and whether handing a ticket to it pages on-call.

    ``members`` (optional) are the Slack user ids of the team's agents: their App Home
    shows this tier's queue. ``page``: every escalation into the tier (by hand or
    automatic) pages on-call. ``response`` (optional): after an escalation into the tier,
    someone other than the reporter answers in the ticket's thread within this target
    (on the priority's clock). ``mention`` (optional): who the escalation request
    mentions (``workflows.policy.escalation.TierMention``). ``assignment`` (optional:
    ``round_robin`` or ``least_open``) gives the tier's new, escalated and moved-in
    tickets to one of its ``members`` (not those who said `/ticket away`); ``max_open``
    caps the open tickets one member is given.
    """

    id: TierId
    name: Name
    channel: ChannelId
    page: bool = False
    members: list[UserId] = []
    response: OptionalSlaTarget = None
    mention: TierMention | None = None
    assignment: Annotated[str | None, BeforeValidator(optional(_parse_assignment))] = None
    max_open: Annotated[int | None, BeforeValidator(optional(_parse_max_open))] = None

    @model_validator(mode="after")
    def _assignment_needs_members(self) -> Tier:
        if self.assignment is not None and not self.members:
            raise ValueError("assignment needs members: list the tier's agents under members")
        return self


def _parse_category_name(value: object) -> str:
    name = parse_name(value)
    if len(name) > 75:
        raise ValueError("is longer than 75 characters (the most a Slack menu shows)")
    return name


class Category(Section):
    """A kind of ticket: its first tier (None: triage) and where it escalates, in order.

    ``first_response``/``resolution``, when set, override the priority's targets for
    tickets of this category, on the priority's clock.
    """

    name: Annotated[str, BeforeValidator(_parse_category_name)]
    tier: TierId | None = None
    escalation: list[TierId] = []
    first_response: OptionalSlaTarget = None
    resolution: OptionalSlaTarget = None
    description: str | None = None
