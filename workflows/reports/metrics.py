"""Support KPIs of a period: volume, response and resolution times, SLA attainment,
escalation and reopen rates, CSAT, the busiest categories, self-service (the
knowledge base's deflection rate and its gaps), on-call (MTTA and MTTR per priority, and the
incidents' action items: added, done, open, overdue), and the lifecycle (the backlog by
state at the period's end, the time in triage: ``workflows/reports/lifecycle_stats.py``).

    stats = await compute_stats(db=db, config=config, since=now - timedelta(days=30), until=now)
    stats.priority("P1").first_response_attainment.percent     # 95.0, or None without data

The numbers come from ``models.metrics_queries`` (SQL over tickets and their timeline;
its docstring defines each one). Targets come from app.yaml: the priorities' SLA
durations for times, ``reports.targets`` (or the practice's defaults) for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.reports import ReportTargets
from workflows.policy.plans import plan_policy
from workflows.reports.lifecycle_stats import LifecycleStats, compute_lifecycle
from workflows.policy.schema import AppConfig
from models.incident_action_queries import ActionItemCounts, action_item_counts, overdue_action_items
from models.incident_actions import IncidentAction
from models.incident_metrics_queries import MeanTime, acknowledge_times, resolve_times
from models.kb_queries import SearchGap, count_deflections, search_gaps
from workflows.reports.rolled_stats import rolled_cohort
from models.metrics_queries import (
    CohortCounts,
    Percentiles,
    TicketScope,
    Volume,
    cohort_stats,
    volume,
)

__all__ = ["ActionItemStats", "IncidentTimes", "PriorityStats", "Ratio", "SelfServiceStats", "SupportStats", "compute_stats",
           "report_targets", "report_zone", "upper_tiers"]

NO_TIMES = Percentiles(0, None, None)
NO_MEAN = MeanTime(0, None)
TOP_CATEGORIES = 5
TOP_GAPS = 5
OVERDUE_SHOWN = 10


@dataclass(frozen=True)
class Ratio:
    """``part`` out of ``whole``; ``percent`` is None when there is nothing to divide."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else 100.0 * self.part / self.whole


@dataclass(frozen=True)
class PriorityStats:
    """One priority's tickets: times (seconds) against its SLA targets, and attainment."""

    priority: str
    name: str
    created: int
    first_response: Percentiles
    resolution: Percentiles
    first_response_attainment: Ratio
    resolution_attainment: Ratio
    first_response_target: timedelta
    resolution_target: timedelta
    business_hours: bool = False  # targets count working time; the times are wall-clock


@dataclass(frozen=True)
class SelfServiceStats:
    """The knowledge base in the period: questions it answered (deflections) against
    those plus the tickets opened, and the questions asked most without a good answer
    (``gaps``; None when the stats are narrowed to a tier or category, which searches
    do not have)."""

    deflection: Ratio
    gaps: list[SearchGap] | None


@dataclass(frozen=True)
class IncidentTimes:
    """MTTA (page to acknowledgement) and MTTR (declaration to resolution) of the period,
    by priority and for all (key None): ``models.incident_metrics_queries``."""

    acknowledge: dict[str | None, MeanTime]
    resolve: dict[str | None, MeanTime]

    def mtta(self, priority: str | None = None) -> MeanTime:
        return self.acknowledge.get(priority, NO_MEAN)

    def mttr(self, priority: str | None = None) -> MeanTime:
        return self.resolve.get(priority, NO_MEAN)


@dataclass(frozen=True)
class ActionItemStats:
    """The incidents' action items (``models.incident_action_queries``): counts, and the
    longest overdue ones (at most ``OVERDUE_SHOWN``); ``today``: ``until``'s local day."""

    counts: ActionItemCounts
    overdue: list[IncidentAction]
    today: date


@dataclass(frozen=True)
class SupportStats:
    """The KPIs of the tickets opened in ``[since, until)`` (see models.metrics_queries)."""

    since: datetime
    until: datetime
    tier: str | None
    category: str | None
    volume: Volume
    priorities: list[PriorityStats]
    first_response: Percentiles
    resolution: Percentiles
    first_response_attainment: Ratio
    resolution_attainment: Ratio
    escalation: Ratio      # escalated to a tier after tier2, of the tickets opened
    reopen: Ratio          # reopened, of the tickets resolved at least once
    csat_responses: Ratio  # rated, of the tickets resolved at least once
    csat_average: float | None
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    self_service: SelfServiceStats | None = None  # None: no knowledge base in app.yaml (or one customer's)
    #: Pages and incidents of the period (None when narrowed to a tier, a category or a
    #: customer, which incidents do not have).
    incidents: IncidentTimes | None = None
    action_items: ActionItemStats | None = None  # None when narrowed, as ``incidents``
    customer: str | None = None  # one customer's tickets only
    lifecycle: LifecycleStats | None = None  # backlog by state at ``until``, time in triage (None for one customer)

    def priority(self, pid: str) -> PriorityStats:
        return next(p for p in self.priorities if p.priority == pid)


def upper_tiers(config: AppConfig) -> list[str]:
    """"Tier 3 and above": the tiers listed after tier2 in app.yaml (else from the third on)."""
    ids = [tier.id for tier in config.tiers]
    return ids[ids.index("tier2") + 1:] if "tier2" in ids else ids[2:]


def report_targets(config: AppConfig) -> ReportTargets:
    """``reports.targets`` from app.yaml, or the practice's defaults."""
    return config.reports.targets if config.reports is not None else ReportTargets()


def report_zone(config: AppConfig) -> ZoneInfo:
    """The zone reports are read in: ``reports.timezone``, else the policy's."""
    if config.reports is not None and config.reports.timezone:
        return ZoneInfo(config.reports.timezone)
    return config.zone


async def compute_stats(*, db: AsyncSession, config: AppConfig, since: datetime, until: datetime,
                        tier: str | None = None, category: str | None = None,
                        team_id: str | None = None, customer: str | None = None,
                        on_progress: Callable[[int, int], None] | None = None,
                        use_rollups: bool = True) -> SupportStats:
    """The KPIs of the tickets opened in ``[since, until)``, as they stood at ``until``.

    ``tier``: only tickets that tier handled (now or before an escalation);
    ``category``: only that category (its exact name); ``team_id``: one workspace;
    ``customer``: one customer's tickets (any case), measured against its plan's targets
    when app.yaml knows the customer (no self-service numbers: questions have no customer).
    ``on_progress(done, total)``: after each of its three readings (``supportbot report``'s bar).
    The whole desk's tickets are read from the daily rollups where they can be
    (``workflows/reports/rolled_stats.py``: the same figures); ``use_rollups=False``
    reads every ticket directly (the reference the rollups are tested against).
    """
    step = on_progress or (lambda done, total: None)
    scope = TicketScope(since=since, until=until, team_id=team_id, tier=tier, category=category, customer=customer)
    known = config.customer(customer)
    targets_of = plan_policy(config, known.plan if known else None)  # its plan's targets, if any
    step(0, 3)
    rolled = (await rolled_cohort(db, scope=scope, zone=report_zone(config), upper=upper_tiers(config))
              if use_rollups else None)
    cohort, resolved = rolled if rolled is not None else (
        await cohort_stats(db, scope, upper_tiers=upper_tiers(config)), None)
    step(1, 3)
    counts, first, resolution = cohort.counts, cohort.first_response, cohort.resolution
    total = sum(counts.values(), CohortCounts())
    priorities = []
    for pid, priority in targets_of.priorities.items():
        c = counts.get(pid, CohortCounts())
        priorities.append(PriorityStats(
            priority=pid, name=priority.name, created=c.created,
            first_response=first.get(pid, NO_TIMES), resolution=resolution.get(pid, NO_TIMES),
            first_response_attainment=Ratio(c.first_response_met, c.first_response_counted),
            resolution_attainment=Ratio(c.resolution_met, c.resolution_counted),
            first_response_target=priority.first_response, resolution_target=priority.resolution,
            business_hours=priority.business_hours,
        ))
    volume_stats = await volume(db, scope, from_ticket_state=True, created=total.created, resolved=resolved)
    step(2, 3)
    self_service = None if customer is not None else await _self_service(db, config, scope, tickets=total.created)
    incidents = actions = None
    if tier is None and category is None and customer is None:
        incidents = IncidentTimes(await acknowledge_times(db, since=since, until=until, team_id=team_id),
                                  await resolve_times(db, since=since, until=until, team_id=team_id))
        today = until.astimezone(config.zone).date()  # due days are days of app.yaml's timezone
        actions = ActionItemStats(
            await action_item_counts(db, since=since, until=until, today=today, team_id=team_id),
            await overdue_action_items(db, until=until, today=today, limit=OVERDUE_SHOWN, team_id=team_id), today)
    lifecycle = None if customer is not None else await compute_lifecycle(
        db, since=since, until=until, team_id=team_id, tier=tier, category=category,
        rollups=report_zone(config) if use_rollups else None)
    step(3, 3)
    return SupportStats(
        since=since, until=until, tier=tier, category=category,
        volume=volume_stats,
        priorities=priorities,
        first_response=first.get(None, NO_TIMES), resolution=resolution.get(None, NO_TIMES),
        first_response_attainment=Ratio(total.first_response_met, total.first_response_counted),
        resolution_attainment=Ratio(total.resolution_met, total.resolution_counted),
        escalation=Ratio(total.escalated_high, total.created),
        reopen=Ratio(total.reopened, total.resolved_ever),
        csat_responses=Ratio(total.rated, total.resolved_ever),
        csat_average=None if total.rated == 0 else total.rating_sum / total.rated,
        top_categories=cohort.categories[:TOP_CATEGORIES],
        self_service=self_service,
        incidents=incidents,
        action_items=actions,
        customer=known.name if known else customer,
        lifecycle=lifecycle,
    )


async def _self_service(db: AsyncSession, config: AppConfig, scope: TicketScope, *,
                        tickets: int) -> SelfServiceStats | None:
    """Deflections of the scope's period (of the articles in its tier's or category's
    categories when narrowed) against deflections plus ``tickets``, and the gaps."""
    if config.knowledge_base is None:
        return None
    categories: list[str] | None = None
    if scope.category is not None:
        categories = [scope.category]
    elif scope.tier is not None:
        categories = [c.name for c in config.categories if c.tier == scope.tier]
    deflections = await count_deflections(db, since=scope.since, until=scope.until, team_id=scope.team_id,
                                          categories=categories)
    narrowed = scope.category is not None or scope.tier is not None
    gaps = None if narrowed else await search_gaps(db, since=scope.since, until=scope.until,
                                                     team_id=scope.team_id, limit=TOP_GAPS)
    return SelfServiceStats(Ratio(deflections, deflections + tickets), gaps)
