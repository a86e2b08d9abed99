"""Indexes for the support metrics (``/ticket stats``, reports).

At 100,000 tickets ``/ticket stats 30d`` scanned every ticket and probed each one's
timeline (benchmarks/README.md). ``ix_tickets_team_id_created_at`` gives the tickets
opened in a period of a workspace; ``ix_ticket_events_kind_ticket_id_at`` gives the
tickets with a row of one kind before a time, and answers "has this ticket a resolution
(escalation, reopen) before t?" in one seek (``models/metrics_queries.py``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_team_id_created_at", "tickets", ["team_id", "created_at"])
    op.create_index("ix_ticket_events_kind_ticket_id_at", "ticket_events", ["kind", "ticket_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_events_kind_ticket_id_at", table_name="ticket_events")
    op.drop_index("ix_tickets_team_id_created_at", table_name="tickets")
