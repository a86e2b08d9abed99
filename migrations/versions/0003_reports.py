"""Scheduled reports: one row per report and period, claimed once.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25

``report_runs`` holds each posted daily digest and weekly report; the unique key
``(kind, period_start)`` is the claim that keeps a period to one post across replicas
and restarts (``models/report_runs.py``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``report_runs``."""
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("file_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("kind", "period_start", name=op.f("uq_report_runs_kind_period_start")),
    )


def downgrade() -> None:
    """Drop ``report_runs``."""
    op.drop_table("report_runs")
