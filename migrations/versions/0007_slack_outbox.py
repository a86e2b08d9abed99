"""The Slack outbox: messages owed to Slack, stored with the change that owes them.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "slack_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("coalesce_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_outbox")),
    )
    op.create_index("ix_slack_outbox_pending_lane", "slack_outbox", ["lane", "id"],
                    postgresql_where=_PENDING, sqlite_where=_PENDING)
    op.create_index("ix_slack_outbox_status_created_at", "slack_outbox", ["status", "created_at"])
    op.create_index("ix_slack_outbox_ticket_id", "slack_outbox", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_slack_outbox_ticket_id", table_name="slack_outbox")
    op.drop_index("ix_slack_outbox_status_created_at", table_name="slack_outbox")
    op.drop_index("ix_slack_outbox_pending_lane", table_name="slack_outbox")
    op.drop_table("slack_outbox")
