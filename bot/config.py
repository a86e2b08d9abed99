"""app.yaml -> a typed, frozen ``AppConfig``, or a ``ConfigError`` listing every problem.

    config = load_config("app.yaml")        # or parse_config(dict_from_elsewhere)
    config.priority("P1").first_response    # timedelta(hours=1)
    config.channel_for_category("Login problems")
    config.next_tier("Login problems", "tier1")

Every model is a frozen pydantic v2 model that refuses unknown keys. Durations go
through ``bot.durations.parse_duration``. When the file is wrong, ``ConfigError.problems``
holds one line per problem, ``<key path>: <message>``::

    priorities.P1.first_response: '1 hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)
    categories[1].tier: unknown tier 'tier9' (tiers: tier1, tier2, tier3, tier4)
    reports.colour: unknown key

Shape problems (types, formats, missing and unknown keys) are all reported in one go;
checks across sections (tier references, duplicate ids) run once the shape is valid.

The file is read with a slightly stricter YAML loader than ``yaml.safe_load`` (see
``bot.config_loader``): ``18:00`` and ``1:30`` stay text instead of becoming the base-60 integers
1080 and 90, only ``true``/``false`` are booleans (so ``country: NO`` is Norway), and a
key written twice in one mapping is an error instead of silently losing the first.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = ["PRIORITY_IDS", "DAYS", "ConfigError", "load_config", "parse_config", "AppConfig",
           "BusinessHours", "Channels", "Priority", "Tier", "Category", "Incidents", "Rotation",
           "Oncall", "OncallPagerDuty", "Holidays", "Reports", "ReportTargets", "WeeklyReport",
           "KnowledgeBase", "Limits", "Roles"]

from bot.config_values import (
    DAYS,
    PRIORITY_IDS,
    Cadence,
    ChannelId,
    ChannelPrefix,
    ConfigError,
    Day,
    Duration,
    Name,
    OptionalDuration,
    PriorityId,
    TierId,
    TimeOfDay,
    UserId,
    _check_resolution,
    _message,
    _optional,
    _parse_category_name,
    _parse_country,
    _parse_date,
    _parse_folder,
    _parse_fraction,
    _parse_instant,
    _parse_result_count,
    _parse_time,
    _parse_web_url,
    _parse_zone,
    _raise,
    _show,
    _text_matching,
)

from bot.config_limits import Limits  # noqa: E402 - the optional `limits` section
from bot.config_roles import Roles  # noqa: E402 - the optional `roles` section

# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BusinessHours(_Model):
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
            _raise([(("end",), f"{self.end:%H:%M} is not later than start "
                               f"({self.start:%H:%M})")], self.end)
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        """The working days as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(DAYS.index(d) for d in self.days)


class Channels(_Model):
    """Slack channel ids: where new tickets land, incidents are announced, pages go."""

    triage: ChannelId
    incidents: ChannelId
    oncall: ChannelId


class Priority(_Model):
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


class Tier(_Model):
    """A support team: its channel, and whether handing a ticket to it pages on-call.

    ``members`` (optional) are the Slack user ids of the team's agents: their App Home
    shows this tier's queue.
    """

    id: TierId
    name: Name
    channel: ChannelId
    page: bool = False
    members: list[UserId] = []


class Category(_Model):
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


class Incidents(_Model):
    """War rooms: channel name prefix and how often updates are due, per priority.

    A priority missing from ``update_cadence`` gets no reminders; ``external_cadence``
    (customer-facing updates) is off for priorities not listed.
    """

    channel_prefix: ChannelPrefix = "inc-"
    update_cadence: Cadence
    external_cadence: Cadence = {}


class Rotation(_Model):
    """From ``start``, every ``every`` the next person in each list is on call."""

    start: Annotated[datetime, BeforeValidator(_parse_instant)]
    every: Duration
    primary: list[UserId] = Field(min_length=1)
    secondary: list[UserId] = []


PagerDutyId = Annotated[str, BeforeValidator(_text_matching(
    r"P[A-Z0-9]{1,19}", "is not a PagerDuty id (like PABC123)"))]
DEFAULT_ACK_WINDOW: dict[str, timedelta] = {"P0": timedelta(minutes=5), "P1": timedelta(minutes=15)}


class OncallPagerDuty(_Model):
    """Ask PagerDuty (REST ``GET /oncalls``) who is on call: one schedule or one policy."""

    schedule_id: PagerDutyId | None = None
    escalation_policy_id: PagerDutyId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OncallPagerDuty:
        if (self.schedule_id is None) == (self.escalation_policy_id is None):
            _raise([((), "give either schedule_id or escalation_policy_id (one of them)")], self)
        return self


class Oncall(_Model):
    """Who is on call (the rotation, or PagerDuty when ``pagerduty`` is set) and how long
    a Slack-only page waits for an acknowledgement before it re-pages (``ack_window``,
    per priority; P0 5m and P1 15m unless given; a priority not listed waits the longest
    window listed)."""

    rotation: Rotation
    pagerduty: OncallPagerDuty | None = None
    ack_window: Cadence = DEFAULT_ACK_WINDOW

    @field_validator("ack_window")
    @classmethod
    def _over_defaults(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        return {**DEFAULT_ACK_WINDOW, **value}

    def ack_window_for(self, priority: str) -> timedelta:
        """How long a page of ``priority`` waits for an acknowledgement."""
        return self.ack_window.get(priority) or max(self.ack_window.values())


class Holidays(_Model):
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
                _raise([(("subdivision",), f"{_show(self.subdivision)} is not a subdivision "
                                           f"of {self.country}")], self.subdivision)
        return self

    def calendar(self) -> holidays_lib.HolidayBase:
        """A fresh holiday calendar (``day in calendar``), years filled in on demand."""
        cal = holidays_lib.country_holidays(self.country, subdiv=self.subdivision)
        cal.update({day: "Company holiday" for day in self.extra})
        return cal


def _parse_percent(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100:
        return float(value)
    raise ValueError(f"{_show(value)} is not a percentage between 0 and 100 (e.g. 95)")


def _parse_rating(value: object) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 5:
        return float(value)
    raise ValueError(f"{_show(value)} is not a rating between 1 and 5 (e.g. 4.5)")


def _parse_optional_time(value: object) -> time | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    return _parse_time(value)


Percent = Annotated[float, BeforeValidator(_parse_percent)]
DEFAULT_FIRST_RESPONSE_ATTAINMENT = {"P0": 100.0, "P1": 95.0, "P2": 90.0, "P3": 85.0}
DEFAULT_RESOLUTION_ATTAINMENT = {"P0": 90.0, "P1": 85.0, "P2": 80.0, "P3": 75.0}


class ReportTargets(_Model):
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


class WeeklyReport(_Model):
    """When the weekly report is posted: ``day`` at ``time`` (report time zone)."""

    day: Day = "mon"
    time: TimeOfDay = time(9, 0)


class Reports(_Model):
    """Scheduled reports in ``channel``: the daily digest at ``daily`` and the weekly
    report at ``weekly`` (either ``off``), in ``timezone`` (default: the policy's)."""

    channel: ChannelId
    daily: Annotated[time | None, BeforeValidator(_parse_optional_time)] = time(9, 0)
    weekly: WeeklyReport | None = WeeklyReport()
    timezone: Annotated[str | None, BeforeValidator(_optional(_parse_zone))] = None
    targets: ReportTargets = ReportTargets()

    @field_validator("weekly", mode="before")
    @classmethod
    def _weekly_off(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() == "off" else value


class KnowledgeBase(_Model):
    """Tier 1 self-service: Markdown articles (front matter: title, tags, category) in
    ``path`` (relative paths from the directory the bot runs in), searched before a
    ticket is opened. Top-level messages in ``help_channels`` get a threaded answer;
    an answer lists up to ``max_results`` articles. With ``base_url`` an article links
    to ``base_url`` + its slug; without, Slack shows it ("Show article")."""

    path: Annotated[str, BeforeValidator(_parse_folder)] = "kb/"
    help_channels: list[ChannelId] = []
    max_results: Annotated[int, BeforeValidator(_parse_result_count)] = 3
    base_url: Annotated[str | None, BeforeValidator(_optional(_parse_web_url))] = None


class AppConfig(_Model):
    """The whole of app.yaml. Build it with ``load_config`` or ``parse_config``."""

    timezone: Annotated[str, BeforeValidator(_parse_zone)]
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

    @field_validator("priorities", mode="wrap")
    @classmethod
    def _all_priorities(cls, value: Any, handler) -> dict[str, Priority]:
        """Report missing priorities together with problems inside the others."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if isinstance(value, dict):
            for key in value:
                if key not in PRIORITY_IDS:
                    problems.append(((key,), f"unknown priority {_show(key)} "
                                             f"(priorities: {', '.join(PRIORITY_IDS)})"))
            problems += [((pid,), "missing") for pid in PRIORITY_IDS if pid not in value]
            value = {k: v for k, v in value.items() if k in PRIORITY_IDS}
        try:
            result = handler(value)
        except ValidationError as exc:
            _raise([(e["loc"], _message(e)) for e in exc.errors()] + problems, value)
        if problems:
            _raise(problems, value)
        return result

    @model_validator(mode="after")
    def _cross_references(self) -> AppConfig:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        tier_ids = [t.id for t in self.tiers]
        known = f"(tiers: {', '.join(dict.fromkeys(tier_ids)) or 'none defined'})"
        for i, tier_id in enumerate(tier_ids):
            if tier_id in tier_ids[:i]:
                problems.append((("tiers", i, "id"), f"duplicate tier id {tier_id!r}"))
        names = [c.name.casefold() for c in self.categories]
        for i, category in enumerate(self.categories):
            loc: tuple[str | int, ...] = ("categories", i)
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
            _raise(problems, self)
        return self

    @model_validator(mode="after")
    def _role_tiers(self) -> AppConfig:
        """Tiers named in ``roles.agents`` exist."""
        tier_ids = [t.id for t in self.tiers]
        unknown = [tid for tid in (self.roles.agents_by_tier if self.roles else {}) if tid not in tier_ids]
        if unknown:
            known = f"(tiers: {', '.join(tier_ids) or 'none defined'})"
            _raise([(("roles", "agents", tid), f"unknown tier {tid!r} {known}") for tid in unknown], self)
        return self

    # ----------------------------------------------------------------- lookups

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


# Loading lives in bot/config_loader.py; re-exported here for callers of bot.config.
from bot.config_loader import load_config, parse_config  # noqa: E402
