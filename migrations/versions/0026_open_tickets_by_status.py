"""Stats at 1,000,000 tickets (#23): the open tickets counted by state from an index
alone, and the rollups' running SLA clocks as rows (``stats_rollup_flips``).

The index ``tickets (status, team_id, created_at, id)``:

`/ticket stats` and `supportbot report` count the open tickets twice: the backlog by
state at the period's end (``models/lifecycle_queries.py``) and the open volume
(``models/metrics_queries.py``), each of a workspace and opened before the period's
end. With ``ix_tickets_status_tier`` alone each read every open ticket's row (Postgres:
a bitmap heap scan, 110-140 ms at 1,000,000 tickets; SQLite chose the workspace's
``(team_id, number)`` key instead: every ticket, 250 ms); this index holds all they
read, so both are ranges of it (a few ms per 10,000 open tickets).

``stats_rollup_flips``: a built day's tickets whose only figure still to change is an
SLA clock running towards its due time (``models/stats_rollups.py``): a query counts
them by due time instead of reading each ticket and its timeline (10,000 tickets and
three index probes each, 100-250 ms at 1,000,000 tickets).

``ix_stats_rollup_durations_bucket`` ``(zone, priority, metric, bucket, day)``: a
percentile's exact values are the few buckets that hold its rank, over a period's days;
by the table's key (days first) Postgres filtered every row of the year (100,000 rows,
30-120 ms for `/ticket stats 365d`), by this one they are a range per bucket (10-30 ms).

Every built day is dropped on the way up and down: the builder builds them again (a
minute or two at 1,000,000 tickets), meanwhile the stats read the tickets directly.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_team_id_created_at", "tickets", ["status", "team_id", "created_at", "id"])
    op.create_table(
        "stats_rollup_flips",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "team_id", "ticket_id", "metric", name=op.f("pk_stats_rollup_flips")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_stats_rollup_durations_bucket", "stats_rollup_durations",
                    ["zone", "priority", "metric", "bucket", "day"])
    # Every built day is built again: the days built before held no time in triage, and
    # their running clocks as pending tickets.
    op.execute("DELETE FROM stats_rollup_days")


def downgrade() -> None:
    # The days built here keep running clocks in their rows (the flips go): built again below.
    op.execute("DELETE FROM stats_rollup_days")
    op.drop_index("ix_stats_rollup_durations_bucket", table_name="stats_rollup_durations")
    op.drop_table("stats_rollup_flips")
    op.drop_index("ix_tickets_status_team_id_created_at", table_name="tickets")
