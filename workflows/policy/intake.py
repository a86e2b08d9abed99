"""Tickets where customers already are: the ``intake``, ``customers`` and ``plans`` sections.

    intake:
      reaction: ticket               # this emoji on a message opens a ticket from it
      customer_channels: auto        # or ask: the bot offers Open a ticket / No thanks
      send_prefix: "!reply"          # in the card's thread: a reply starting so goes to the customer
    customers:
      - {name: Acme, channels: [C0ACME0001], plan: enterprise, category: Bug report}
    plans:
      enterprise:
        priorities: {P1: {first_response: 30m, business_hours: false}}
        business_hours: {days: [mon, tue, wed, thu, fri, sat], start: "07:00", end: "20:00"}

Every key is optional and off by default (no ``intake`` section: no reaction intake, and
customer channels, if any, open tickets by themselves). A plan's priority keys replace the
priority's for the tickets of customers on that plan; its ``business_hours`` replace the
desk's working hours for their business-hours clocks (``workflows/policy/plans.py``
builds the policy such a ticket is measured by). The checks across sections (known plans,
categories, channels used once and never an internal channel) run in ``schema.py``
through :func:`intake_problems`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from workflows.policy.desk import Priority, target_problems
from workflows.policy.hours import BusinessHours
from workflows.policy.problems import Problem, show
from workflows.policy.values import (
    ChannelId,
    Name,
    OptionalSlaTarget,
    PriorityId,
    Section,
    optional,
    parse_name,
    text_matching,
)

__all__ = ["CustomerChannelMode", "Customer", "Intake", "Plan", "PlanPriority", "intake_problems",
           "plan_priorities"]

#: Slack's emoji names: lowercase letters, digits, ``_``, ``-``, ``+``, ``'`` (no colons).
EMOJI = text_matching(r"[a-z0-9_+'-]{1,100}", "is not an emoji name (like ticket or eyes, without colons)")
SEND_PREFIX_MAX = 20


class CustomerChannelMode(StrEnum):
    AUTO = "auto"  # every new top-level message by a customer opens a ticket
    ASK = "ask"    # the bot asks in the message's thread: Open a ticket / No thanks


def _parse_emoji(value: object) -> str:
    return EMOJI(value.strip().strip(":") if isinstance(value, str) else value)


def _parse_mode(value: object) -> str:
    if value in tuple(CustomerChannelMode):
        return str(value)
    raise ValueError(f"{show(value)} is not auto or ask")


def _parse_prefix(value: object) -> str:
    prefix = parse_name(value)
    if len(prefix) > SEND_PREFIX_MAX or any(c.isspace() for c in prefix):
        raise ValueError(f"{show(value)} is not a prefix (one word, up to {SEND_PREFIX_MAX} characters, like !reply)")
    return prefix


class Intake(Section):
    """Where tickets come from besides /ticket: a reaction, customer channels."""

    reaction: Annotated[str | None, BeforeValidator(optional(_parse_emoji))] = None
    customer_channels: Annotated[CustomerChannelMode, BeforeValidator(_parse_mode)] = CustomerChannelMode.AUTO
    send_prefix: Annotated[str | None, BeforeValidator(optional(_parse_prefix))] = None


class Customer(Section):
    """A customer: the channels shared with them (Slack Connect, or internal request
    channels), the plan their tickets are measured by, and the category their tickets
    start in (none: the triage channel)."""

    name: Name
    channels: list[ChannelId] = []
    plan: Name | None = None
    category: Name | None = None


def _parse_fraction(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(f"{show(value)} is not between 0 and 1")


class PlanPriority(Section):
    """What a plan changes of one priority; keys left out keep the priority's."""

    first_response: OptionalSlaTarget = None
    resolution: OptionalSlaTarget = None
    next_response: OptionalSlaTarget = None
    warn_at: Annotated[float | None, BeforeValidator(optional(_parse_fraction))] = None
    page: bool | None = None
    business_hours: bool | None = None


class Plan(Section):
    """A support plan (Basic, Premium, Enterprise…): per-priority targets and working hours."""

    priorities: dict[PriorityId, PlanPriority] = Field(default_factory=dict)
    business_hours: BusinessHours | None = None


def plan_priorities(priorities: dict[str, Priority], plan: Plan) -> dict[str, Priority]:
    """The priorities as ``plan`` changes them (keys it leaves out keep the priority's)."""
    merged = dict(priorities)
    for pid, change in plan.priorities.items():
        if pid in merged:
            update = {key: getattr(change, key) for key in PlanPriority.model_fields
                      if getattr(change, key) is not None}
            merged[pid] = merged[pid].model_copy(update=update)
    return merged


def plan_problems(plans: dict[str, Plan], desk_priorities: dict[str, Priority],
                  desk_hours: BusinessHours) -> list[Problem]:
    """Each plan's resolution target shorter than its first response, on the plan's clock."""
    problems: list[Problem] = []
    for name, plan in plans.items():
        merged = plan_priorities(desk_priorities, plan)
        found = target_problems({pid: merged[pid] for pid in plan.priorities if pid in merged}, [],
                                plan.business_hours or desk_hours)
        problems += [(("plans", name, *where), message) for where, message in found]
    return problems


def intake_problems(config: Any) -> list[Problem]:
    """Problems across sections: unknown plans and categories, a channel given to two
    customers, a customer channel that is one of the desk's own (cards would be posted
    where customers read them), customers of the same name."""
    problems: list[Problem] = []
    if config.intake.reaction is not None and config.intake.reaction == config.incidents.pin_emoji:
        problems.append((("intake", "reaction"), f"{config.intake.reaction!r} is incidents.pin_emoji already; "
                                                 "pick another emoji"))
    internal = {config.channels.triage: "channels.triage", config.channels.incidents: "channels.incidents",
                config.channels.oncall: "channels.oncall"}
    internal.update({tier.channel: f"tiers[{tier.id}].channel" for tier in config.tiers})
    if config.reports is not None:
        internal.setdefault(config.reports.channel, "reports.channel")
    help_channels = set(config.knowledge_base.help_channels) if config.knowledge_base else set()
    plans = f"(plans: {', '.join(config.plans) or 'none defined'})"
    seen_names: set[str] = set()
    seen_channels: dict[str, str] = {}
    for i, customer in enumerate(config.customers):
        where = ("customers", i)
        if customer.name.casefold() in seen_names:
            problems.append((where + ("name",), f"duplicate customer {customer.name!r}"))
        seen_names.add(customer.name.casefold())
        if customer.plan is not None and customer.plan not in config.plans:
            problems.append((where + ("plan",), f"unknown plan {customer.plan!r} {plans}"))
        if customer.category is not None and config.category(customer.category) is None:
            problems.append((where + ("category",), f"unknown category {customer.category!r}"))
        for j, channel in enumerate(customer.channels):
            at = where + ("channels", j)
            if channel in internal:
                problems.append((at, f"{channel} is the desk's own channel ({internal[channel]}); "
                                     "customers would read its tickets"))
            elif channel in help_channels:
                problems.append((at, f"{channel} is also a knowledge_base.help_channels channel; pick one"))
            elif channel in seen_channels:
                problems.append((at, f"{channel} is already a channel of {seen_channels[channel]}"))
            seen_channels.setdefault(channel, customer.name)
    return problems
