"""MTTA and MTTR, computed in SQL from the pages and the incidents (portable, as
``models.metrics_queries``: durations are differences of :func:`epoch_seconds`).

- Time to acknowledge (MTTA): from a page's trigger to its acknowledgement (in Slack or
  PagerDuty), for the pages triggered in ``[since, until)`` and acknowledged before
  ``until``; a page resolved without an acknowledgement is not counted. Its priority is
  its ticket's or incident's (as it is now).
- Time to resolve (MTTR): from an incident's declaration to its resolution, for the
  incidents declared in ``[since, until)`` and resolved before ``until``.

Each comes per priority and for all of them (key ``None``). :func:`duration_histograms`
gives both over all time, bucketed, for the Prometheus ``/metrics`` histograms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident, IncidentStatus
from models.metrics_queries import epoch_seconds
from models.pages import Page, PageSubjectKind
from models.tickets import Ticket

__all__ = ["DURATION_BUCKETS", "DurationHistogram", "MeanTime", "acknowledge_times", "duration_histograms",
           "resolve_times"]

#: Bucket bounds (seconds) of the /metrics histograms: 1, 5, 15, 30 minutes, 1, 2, 4, 8
#: hours, 1, 3, 7 days (practice 000: acknowledge a P0 within 15 minutes, a P1 within an
#: hour; practice 003: resolve P0/P1 within 2 hours, P2 within a day, P3 within a week).
DURATION_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800)


@dataclass(frozen=True)
class MeanTime:
    """``count`` durations and their mean in whole seconds (None without any)."""

    count: int
    mean: int | None


@dataclass(frozen=True)
class DurationHistogram:
    """Cumulative counts at each of ``DURATION_BUCKETS``, the count and the sum (seconds)."""

    buckets: tuple[int, ...]
    count: int
    total: int


def _page_priority() -> tuple[Any, Any, ColumnElement[Any], ColumnElement[Any]]:
    ticket = and_(Page.subject_kind == PageSubjectKind.TICKET, Ticket.id == Page.subject_id)
    incident = and_(Page.subject_kind == PageSubjectKind.INCIDENT, Incident.id == Page.subject_id)
    return ticket, incident, func.coalesce(Ticket.priority, Incident.priority), \
        func.coalesce(Ticket.team_id, Incident.team_id)


def _pages(columns: Sequence[Any]) -> Any:
    ticket, incident, _, _ = _page_priority()
    return select(*columns).select_from(Page).outerjoin(Ticket, ticket).outerjoin(Incident, incident)


def _means(rows: Any) -> dict[str | None, MeanTime]:
    found: dict[str | None, MeanTime] = {}
    count_all, total_all = 0, 0
    for priority, count, total in rows:
        count, total = int(count), int(total or 0)
        if priority is not None:  # else a page whose ticket or incident is gone: counted in the whole only
            found[priority] = MeanTime(count, round(total / count) if count else None)
        count_all, total_all = count_all + count, total_all + total
    found[None] = MeanTime(count_all, round(total_all / count_all) if count_all else None)
    return found


async def acknowledge_times(db: AsyncSession, *, since: datetime, until: datetime,
                            team_id: str | None = None) -> dict[str | None, MeanTime]:
    """Time to acknowledge of the pages triggered in ``[since, until)``, by priority."""
    _, _, priority, team = _page_priority()
    seconds = epoch_seconds(Page.acknowledged_at) - epoch_seconds(Page.triggered_at)
    stmt = _pages([priority.label("priority"), func.count(), func.sum(seconds)]).where(
        Page.triggered_at >= since, Page.triggered_at < until, Page.acknowledged_at.is_not(None),
        Page.acknowledged_at < until)
    if team_id is not None:
        stmt = stmt.where(team == team_id)
    return _means(await db.execute(stmt.group_by(priority)))


async def resolve_times(db: AsyncSession, *, since: datetime, until: datetime,
                        team_id: str | None = None) -> dict[str | None, MeanTime]:
    """Time to resolve of the incidents declared in ``[since, until)``, by priority."""
    seconds = epoch_seconds(Incident.resolved_at) - epoch_seconds(Incident.declared_at)
    stmt = select(Incident.priority, func.count(), func.sum(seconds)).where(
        Incident.declared_at >= since, Incident.declared_at < until, Incident.status == IncidentStatus.RESOLVED,
        Incident.resolved_at < until)
    if team_id is not None:
        stmt = stmt.where(Incident.team_id == team_id)
    return _means(await db.execute(stmt.group_by(Incident.priority)))


def _bucketed(seconds: ColumnElement[int]) -> list[Any]:
    return [func.count(), func.sum(seconds),
            *(func.sum(case((seconds <= bound, 1), else_=0)) for bound in DURATION_BUCKETS)]


def _histograms(rows: Any) -> dict[str, DurationHistogram]:
    return {str(priority): DurationHistogram(tuple(int(n or 0) for n in buckets), int(count), int(total or 0))
            for priority, count, total, *buckets in rows if priority is not None}


async def duration_histograms(db: AsyncSession) -> tuple[dict[str, DurationHistogram], dict[str, DurationHistogram]]:
    """(time to acknowledge, time to resolve) of every acknowledged page and resolved
    incident, by priority."""
    _, _, priority, _ = _page_priority()
    acked = epoch_seconds(Page.acknowledged_at) - epoch_seconds(Page.triggered_at)
    ack_rows = await db.execute(_pages([priority.label("priority"), *_bucketed(acked)])
                                .where(Page.acknowledged_at.is_not(None)).group_by(priority))
    resolved = epoch_seconds(Incident.resolved_at) - epoch_seconds(Incident.declared_at)
    resolve_rows = await db.execute(select(Incident.priority, *_bucketed(resolved))
                                    .where(Incident.status == IncidentStatus.RESOLVED,
                                           Incident.resolved_at.is_not(None)).group_by(Incident.priority))
    return _histograms(ack_rows), _histograms(resolve_rows)
