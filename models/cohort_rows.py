"""The per-ticket numbers of ``models.metrics_queries``, for any set of tickets, and their sums.

    rows = await cohort_rows(db, [Ticket.created_at >= a, Ticket.created_at < b], until=now,
                             upper_tiers=["tier3", "tier4"])
    tally = CohortTally()
    tally.add(rows)                       # per workspace: tally.teams["T1"].counts["P1"]...

Each row is what ``metrics_queries.cohort_stats`` reads for a ticket (the same column
expressions: :func:`metrics_queries._ticket_columns`), with its workspace first and its
escalations and reopens looked up ticket by ticket (``seeks``), which is what a few
thousand tickets of a long period need. The daily rollups are built from these rows
and the tickets they leave out are read with them (``workflows/reports/rolled_stats.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.metrics_queries import _RATED, _RATING_SUM, FLAGS, CohortCounts, _ticket_columns
from models.tickets import Ticket

__all__ = ["COUNT_FIELDS", "CohortRow", "CohortTally", "TeamTally", "cohort_rows"]

#: CohortCounts' fields, in order: the metrics of the ("priority", P, metric) rollup rows.
COUNT_FIELDS: tuple[str, ...] = tuple(CohortCounts.__dataclass_fields__)

#: (team_id, priority, category, flags, rating or None, first-response s or None, resolution s or None)
CohortRow = tuple[str, str, str, int, int | None, int | None, int | None]


async def cohort_rows(db: AsyncSession, where: Sequence[ColumnElement[bool]], *, until: datetime,
                      upper_tiers: Sequence[str]) -> list[CohortRow]:
    """The numbers of every ticket matching ``where``, as they stood at ``until``."""
    columns = _ticket_columns(until, until, upper_tiers, seeks=True)
    stmt = select(Ticket.team_id, *columns).where(*where)
    return [tuple(row) for row in (await db.execute(stmt)).all()]  # type: ignore[misc]


@dataclass
class TeamTally:
    """Sums over some tickets of one workspace: CohortCounts per priority (as lists, in
    :data:`COUNT_FIELDS` order), tickets per category, and the durations per priority."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    categories: Counter[str] = field(default_factory=Counter)
    first_response: dict[str, list[int]] = field(default_factory=dict)
    resolution: dict[str, list[int]] = field(default_factory=dict)

    def add(self, row: CohortRow) -> None:
        _team, priority, category, flags, rating, first, resolution = row
        total = self.counts.setdefault(priority, [0] * len(COUNT_FIELDS))
        total[0] += 1
        for bit in range(FLAGS):
            total[1 + bit] += flags >> bit & 1
        if rating is not None:
            total[_RATED] += 1
            total[_RATING_SUM] += rating
        self.categories[category] += 1
        if first is not None:
            self.first_response.setdefault(priority, []).append(first)
        if resolution is not None:
            self.resolution.setdefault(priority, []).append(resolution)

    def merge(self, other: TeamTally) -> None:
        for priority, values in other.counts.items():
            total = self.counts.setdefault(priority, [0] * len(COUNT_FIELDS))
            self.counts[priority] = [a + b for a, b in zip(total, values, strict=True)]
        self.categories.update(other.categories)
        for mine, theirs in ((self.first_response, other.first_response), (self.resolution, other.resolution)):
            for priority, values in theirs.items():
                mine.setdefault(priority, []).extend(values)


@dataclass
class CohortTally:
    """:class:`TeamTally` per workspace."""

    teams: dict[str, TeamTally] = field(default_factory=dict)

    def add(self, rows: Iterable[CohortRow]) -> None:
        for row in rows:
            self.teams.setdefault(row[0], TeamTally()).add(row)

    def total(self) -> TeamTally:
        out = TeamTally()
        for team in self.teams.values():
            out.merge(team)
        return out


def durations_of(tally: TeamTally, metric: str) -> dict[str, list[int]]:
    return tally.first_response if metric == "first_response" else tally.resolution


def as_values(counts: list[int]) -> dict[str, Any]:
    return dict(zip(COUNT_FIELDS, counts, strict=True))
