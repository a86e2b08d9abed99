"""Daily rollups of the support metrics: a day's figures read once, summed many times.

The reference is ``models.metrics_queries``: every figure there is defined over the
tickets and their timeline, and the rollups only store what those definitions give for
*complete past days* of the reports' time zone, so that a year of `/ticket stats` sums
365 small rows instead of reading every ticket (``workflows/reports/rollups.py`` builds
them, ``workflows/reports/rolled_stats.py`` reads them). Long and narrow, so that a new
dimension (a customer, a state) or a new metric is new rows, not new columns:

- :class:`StatsRollupDay`: one row per (zone, local day): when it was built (``as_of``),
  against which ``generation`` and ``policy_key``, whether a later change made it
  ``stale``, and when one of its *pending* tickets may next change by the clock alone
  (``ripe_at``).
- :class:`StatsRollupCount`: per day and workspace, ``n`` for a (dimension, value,
  metric): ``("priority", "P1", "first_response_met")``, ``("category", name,
  "created")``, ``("resolved_after", day or "", "tickets")``.
- :class:`StatsRollupDuration`: per day, workspace, priority and metric
  (``first_response`` / ``resolution``; ``triage``, of priority ``""``: the time in
  triage of the tickets first triaged that day), the durations in seconds by bucket (a
  monotonic log scale): bucket ``-1`` holds the day's histogram (packed ``bucket, n``
  pairs), the others the exact values of one bucket (packed), so that an exact
  nearest-rank percentile reads the histograms and then only the bucket that holds the rank.
- :class:`StatsRollupPending`: the tickets of a day left out of its rows because a
  figure of theirs may still change with the clock alone (an open ticket not yet due);
  they are read directly at every query.
- :class:`StatsRollupFlip`: a ticket of a built day whose figures are all in the day's
  rows but one SLA clock still running, unanswered or unresolved (not waiting), and
  not yet due: it counts as missing that target (``first_response_counted`` /
  ``resolution_counted``) in every period that ends after its due time ``at``, which
  each query counts (:func:`models.stats_rollup_queries.flip_sums`) instead of reading
  the ticket (#23: 10,000 such tickets at 1,000,000, 200 ms of direct reads).
- :class:`StatsRollupState`: the one row of the builder: the timeline rows already
  accounted for (``checkpoint``, a ``ticket_events.id``), the ``generation`` (moved on
  when something changed tickets without a timeline row: a policy reload re-targeting
  due times) and the builder's lease (one builder at a time across replicas).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

__all__ = ["StatsRollupCount", "StatsRollupDay", "StatsRollupDuration", "StatsRollupFlip", "StatsRollupPending",
           "StatsRollupState"]


class StatsRollupState(Base):
    """The builder's bookkeeping (a single row, ``id = 1``)."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checkpoint: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))


class StatsRollupDay(Base):
    """One complete local day of the reports' zone, as built."""

    __tablename__ = "stats_rollup_days"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: the rows stored in key order, read as ranges

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    as_of: Mapped[datetime]
    generation: Mapped[int]
    policy_key: Mapped[str] = mapped_column(String(255))
    stale: Mapped[bool] = mapped_column(default=False, server_default=false())
    ripe_at: Mapped[datetime | None]


class StatsRollupCount(Base):
    """``n`` of one metric for one value of one dimension, on one day, in one workspace."""

    __tablename__ = "stats_rollup_counts"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: the rows stored in key order, read as ranges

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class StatsRollupDuration(Base):
    """A day's durations of one metric and priority in one workspace: a histogram (bucket
    -1, ``seconds`` = packed pairs) or one bucket's exact values (``seconds`` = packed)."""

    __tablename__ = "stats_rollup_durations"
    __table_args__ = (
        # One bucket of one priority and metric over a period's days: a range per bucket read.
        Index("ix_stats_rollup_durations_bucket", "zone", "priority", "metric", "bucket", "day"),
        {"sqlite_with_rowid": False},  # SQLite: the rows stored in key order, read as ranges
    )

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority: Mapped[str] = mapped_column(String(8), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int]
    seconds: Mapped[str] = mapped_column(Text)


class StatsRollupPending(Base):
    """A ticket of a built day whose figures are read directly (see the module docstring)."""

    __tablename__ = "stats_rollup_pending"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: the rows stored in key order, read as ranges

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class StatsRollupFlip(Base):
    """A built day's ticket that counts towards ``metric`` once a period ends after ``at``."""

    __tablename__ = "stats_rollup_flips"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: the rows stored in key order, read as ranges

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    priority: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime]
