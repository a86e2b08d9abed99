"""Private tickets, and what the per-user limits count.

- ``tickets.private``: shown only to the reporter, the assignee and the support desk
  (``workflows/access/privacy.py``); existing tickets stay as they were (not private).
- ``ix_tickets_reporter_id_created_at`` and ``ix_incidents_declared_by_declared_at``:
  the tickets one person opened, the incidents one person declared, in the last
  minute (``models/user_limits.py``). The person's id comes first: SQLite's planner
  without ANALYZE would take an index that starts with ``team_id`` for every
  ``team_id = ?`` query (see 0008).
- ``user_action_locks``: one row per person and limited action, taken by the
  transaction that counts and creates, so that two replicas count one after the other.

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_tickets_reporter_id_created_at", "tickets", ["reporter_id", "created_at"])
    op.create_index("ix_incidents_declared_by_declared_at", "incidents", ["declared_by", "declared_at"])
    op.create_table(
        "user_action_locks",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", "action", name=op.f("pk_user_action_locks")),
    )


def downgrade() -> None:
    op.drop_table("user_action_locks")
    op.drop_index("ix_incidents_declared_by_declared_at", table_name="incidents")
    op.drop_index("ix_tickets_reporter_id_created_at", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("private")
