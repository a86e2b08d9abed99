"""Scale x10 (#23): the daily stats rollups.

- ``stats_rollup_state``: the builder's checkpoint (a ``ticket_events.id``), generation
  and lease (one row).
- ``stats_rollup_days``: one row per built local day of the reports' zone.
- ``stats_rollup_counts``: a day's sums per workspace, dimension, value and metric.
- ``stats_rollup_durations``: a day's durations per workspace, priority and metric, by
  bucket (bucket -1: the day's histogram).
- ``stats_rollup_pending``: the tickets of a built day that every query reads directly.

Every table leads with ``(zone, day)``: a period's days are ranges of that key
(``models/stats_rollups.py``); on SQLite they are ``WITHOUT ROWID`` tables, stored in
that key's order.

Revision ID: 0023
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0021b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day_key() -> list[sa.Column]:
    return [sa.Column("zone", sa.String(length=64), nullable=False), sa.Column("day", sa.Date(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("checkpoint", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup_state")),
    )
    op.create_table(
        "stats_rollup_days",
        *_day_key(),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("policy_key", sa.String(length=255), nullable=False),
        sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ripe_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("zone", "day", name=op.f("pk_stats_rollup_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_rollup_counts",
        *_day_key(),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "team_id", "dimension", "value", "metric",
                                name=op.f("pk_stats_rollup_counts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_rollup_durations",
        *_day_key(),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "team_id", "priority", "metric", "bucket",
                                name=op.f("pk_stats_rollup_durations")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_rollup_pending",
        *_day_key(),
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "ticket_id", name=op.f("pk_stats_rollup_pending")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for name in ("stats_rollup_pending", "stats_rollup_durations", "stats_rollup_counts", "stats_rollup_days",
                 "stats_rollup_state"):
        op.drop_table(name)
