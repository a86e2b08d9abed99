"""A partial index on the notifications still to fire.

"What is due and unclaimed?" is asked every sweep; with hundreds of thousands of claimed
rows, Postgres scanned them all (benchmarks/README.md). The partial index holds only the
unclaimed rows, ordered as the engine picks them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("claimed_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_sla_notifications_pending_due_at", "sla_notifications", ["due_at", "id"],
                    postgresql_where=_WHERE, sqlite_where=_WHERE)


def downgrade() -> None:
    op.drop_index("ix_sla_notifications_pending_due_at", table_name="sla_notifications")
