"""app.yaml -> a typed, frozen ``AppConfig``: the sections put together, and the checks
across them (tier references, duplicate ids, every priority present).

    config = load_config("app.yaml")        # workflows.policy.loader; or parse_config(data)
    config.priority("P1").first_response    # Target(time=timedelta(hours=1)), written 1h
    config.channel_for_category("Login problems")
    config.next_tier("Login problems", "tier1")

Each section is a frozen pydantic v2 model that refuses unknown keys, in a module of its
own: ``hours`` (business hours, holidays), ``desk`` (channels, priorities, tiers,
categories), ``incidents``, ``oncall``, ``reports``, ``knowledge_base``, ``roles``,
``limits``, ``statuspage``, ``lifecycle`` (``tickets`` and ``messages``). Durations go through ``workflows.policy.durations.parse_duration``, SLA targets
through its ``parse_target`` (weeks and days kept apart: on business hours they are working
days). When the file is wrong, ``ConfigError.problems`` (``workflows.policy.problems``)
holds one line per problem, ``<key path>: <message>``. Shape problems (types, formats, missing and
unknown keys) are all reported in one go; checks across sections run once the shape is
valid.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from workflows.policy.desk import Category, Channels, Priority, Tier, target_problems
from workflows.policy.escalation import DEFAULT_ESCALATION, Escalation, escalation_problems
from workflows.policy.hours import BusinessHours, Holidays
from workflows.policy.incidents import Incidents
from workflows.policy.intake import Customer, Intake, Plan, intake_problems, plan_problems
from workflows.policy.knowledge_base import KnowledgeBase
from workflows.policy.lifecycle import Notices, TicketLifecycle
from workflows.policy.limits import Limits
from workflows.policy.oncall import Oncall
from workflows.policy.problems import Location, Problem, problem_message, raise_problems, show
from workflows.policy.reports import Reports
from workflows.policy.roles import Roles
from workflows.policy.statuspage import Statuspage
from workflows.policy.values import PRIORITY_IDS, PriorityId, Section, parse_name, parse_zone

__all__ = ["AppConfig"]


class AppConfig(Section):
    """The whole of app.yaml. Build it with ``load_config`` or ``parse_config``."""

    timezone: Annotated[str, BeforeValidator(parse_zone)]
    business_hours: BusinessHours
    channels: Channels
    priorities: dict[PriorityId, Priority]
    tiers: list[Tier]
    categories: list[Category] = Field(min_length=1, max_length=100)
    incidents: Incidents
    oncall: Oncall
    holidays: Holidays | None = None
    reports: Reports | None = None
    knowledge_base: KnowledgeBase | None = None
    roles: Roles | None = None
    limits: Limits = Limits()
    statuspage: Statuspage | None = None
    intake: Intake = Intake()
    customers: list[Customer] = []
    plans: dict[Annotated[str, BeforeValidator(parse_name)], Plan] = {}
    escalation: Escalation | None = None
    tickets: TicketLifecycle = TicketLifecycle()
    messages: Notices = Notices()

    @field_validator("priorities", mode="wrap")
    @classmethod
    def _all_priorities(cls, value: Any, handler) -> dict[str, Priority]:
        """Report missing priorities together with problems inside the others."""
        problems: list[Problem] = []
        if isinstance(value, dict):
            for key in value:
                if key not in PRIORITY_IDS:
                    problems.append(((key,), f"unknown priority {show(key)} "
                                             f"(priorities: {', '.join(PRIORITY_IDS)})"))
            problems += [((pid,), "missing") for pid in PRIORITY_IDS if pid not in value]
            value = {k: v for k, v in value.items() if k in PRIORITY_IDS}
        try:
            result = handler(value)
        except ValidationError as exc:
            raise_problems([(e["loc"], problem_message(e)) for e in exc.errors()] + problems, value)
        if problems:
            raise_problems(problems, value)
        return result

    @model_validator(mode="after")
    def _cross_references(self) -> AppConfig:
        problems: list[Problem] = []
        tier_ids = [t.id for t in self.tiers]
        known = f"(tiers: {', '.join(dict.fromkeys(tier_ids)) or 'none defined'})"
        for i, tier_id in enumerate(tier_ids):
            if tier_id in tier_ids[:i]:
                problems.append((("tiers", i, "id"), f"duplicate tier id {tier_id!r}"))
        names = [c.name.casefold() for c in self.categories]
        for i, category in enumerate(self.categories):
            loc: Location = ("categories", i)
            if names[i] in names[:i]:
                problems.append((loc + ("name",), f"duplicate category {category.name!r}"))
            if category.tier is not None and category.tier not in tier_ids:
                problems.append((loc + ("tier",), f"unknown tier {category.tier!r} {known}"))
            for j, step in enumerate(category.escalation):
                where = loc + ("escalation", j)
                if step not in tier_ids:
                    problems.append((where, f"unknown tier {step!r} {known}"))
                elif step == category.tier:
                    problems.append((where, f"{step!r} is the category's own tier"))
                elif step in category.escalation[:j]:
                    problems.append((where, f"{step!r} is already on the escalation path"))
        if problems:
            raise_problems(problems, self)
        return self

    @model_validator(mode="after")
    def _private_categories(self) -> AppConfig:
        """``incidents.private_categories`` names categories that exist."""
        known = f"(categories: {', '.join(c.name for c in self.categories)})"
        problems: list[Problem] = [
            (("incidents", "private_categories", i), f"unknown category {name!r} {known}")
            for i, name in enumerate(self.incidents.private_categories) if self.category(name) is None]
        if problems:
            raise_problems(problems, self)
        return self

    def is_private_category(self, name: str | None) -> bool:
        """Whether incidents declared from tickets of category ``name`` get a private war room."""
        folded = (name or "").casefold()
        return bool(folded) and any(c.casefold() == folded for c in self.incidents.private_categories)

    @model_validator(mode="after")
    def _resolution_not_shorter(self) -> AppConfig:
        """No resolution target shorter than its first response (read on its clock)."""
        problems = target_problems(self.priorities, self.categories, self.business_hours)
        if problems:
            raise_problems(problems, self)
        return self

    @model_validator(mode="after")
    def _escalation_names(self) -> AppConfig:
        """The tiers and categories the escalation matrix names exist."""
        if self.escalation is None:
            return self
        problems = escalation_problems(self.escalation, tier_ids=[t.id for t in self.tiers],
                                       category_names=[c.name for c in self.categories])
        if problems:
            raise_problems(problems, self)
        return self

    @model_validator(mode="after")
    def _role_tiers(self) -> AppConfig:
        """Tiers named in ``roles.agents`` exist."""
        tier_ids = [t.id for t in self.tiers]
        unknown = [tid for tid in (self.roles.agents_by_tier if self.roles else {}) if tid not in tier_ids]
        if unknown:
            known = f"(tiers: {', '.join(tier_ids) or 'none defined'})"
            raise_problems([(("roles", "agents", tid), f"unknown tier {tid!r} {known}") for tid in unknown], self)
        return self

    @model_validator(mode="after")
    def _intake(self) -> AppConfig:
        """Customers name known plans and categories, and channels of their own; plans'
        targets read sensibly (``workflows/policy/intake.py``)."""
        problems = intake_problems(self) + plan_problems(self.plans, self.priorities, self.business_hours)
        if problems:
            raise_problems(problems, self)
        return self

    # ----------------------------------------------------------------- lookups

    def customer(self, name: str | None) -> Customer | None:
        """The customer called ``name`` (ignoring case), or None."""
        folded = (name or "").strip().casefold()
        return next((c for c in self.customers if c.name.casefold() == folded), None) if folded else None

    def customer_of_channel(self, channel_id: str | None) -> Customer | None:
        """The customer whose channel ``channel_id`` is, or None (not a customer channel)."""
        return next((c for c in self.customers if channel_id in c.channels), None) if channel_id else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def priority(self, pid: str) -> Priority:
        """The priority ``pid`` (``"P0"``..``"P3"``); KeyError when unknown."""
        return self.priorities[pid]

    def tier(self, tid: str) -> Tier:
        """The tier with id ``tid``; KeyError when unknown."""
        for tier in self.tiers:
            if tier.id == tid:
                return tier
        raise KeyError(tid)

    @property
    def escalation_policy(self) -> Escalation:
        """The ``escalation`` section, or without one what the bot always did."""
        return self.escalation if self.escalation is not None else DEFAULT_ESCALATION

    def management_channel(self) -> str:
        """Where the management notice goes: ``escalation.management.channel``, else the
        channel of ``tier4`` when there is one, else of the last tier (triage: no tiers)."""
        if self.escalation_policy.management.channel:
            return self.escalation_policy.management.channel
        tier = next((t for t in self.tiers if t.id == "tier4"), self.tiers[-1] if self.tiers else None)
        return tier.channel if tier else self.channels.triage

    def tier_by_channel(self, channel_id: str) -> Tier | None:
        """The (first) tier whose channel is ``channel_id``."""
        return next((t for t in self.tiers if t.channel == channel_id), None)

    def category(self, name: str) -> Category | None:
        """The category called ``name`` (exact match first, then ignoring case)."""
        for category in self.categories:
            if category.name == name:
                return category
        folded = name.casefold()
        return next((c for c in self.categories if c.name.casefold() == folded), None)

    def initial_tier(self, category: Category | str) -> Tier | None:
        """The tier a new ticket of ``category`` goes to; None: the triage channel."""
        if isinstance(category, str):
            found = self.category(category)
            if found is None:
                return None
            category = found
        return self.tier(category.tier) if category.tier else None

    def channel_for_category(self, name: str) -> str:
        """Where a new ticket of category ``name`` is posted (triage if no tier/unknown)."""
        tier = self.initial_tier(name)
        return tier.channel if tier else self.channels.triage

    def escalation_path(self, category_name: str) -> list[Tier]:
        """Initial tier (if any) followed by the escalation tiers, in order."""
        category = self.category(category_name)
        if category is None:
            return []
        ids = ([category.tier] if category.tier else []) + category.escalation
        return [self.tier(tid) for tid in ids]

    def next_tier(self, category_name: str, current_tier_id: str | None) -> Tier | None:
        """The tier after ``current_tier_id`` on the category's path.

        From the initial tier (or from triage, ``None``, when the category has no tier)
        that is the first escalation entry. None at the end of the path, and when the
        category is unknown or the current tier is not on its path.
        """
        category = self.category(category_name)
        if category is None:
            return None
        if current_tier_id == category.tier:
            index = 0
        elif current_tier_id in category.escalation:
            index = category.escalation.index(current_tier_id) + 1
        else:
            return None
        return self.tier(category.escalation[index]) if index < len(category.escalation) else None
