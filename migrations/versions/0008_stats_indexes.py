"""Indexes for the support metrics (``/ticket stats``, reports).

At 100,000 tickets ``/ticket stats 30d`` scanned every ticket and probed each one's
timeline (benchmarks/README.md). ``ix_tickets_created_at_team_id`` gives the tickets
opened in a period (of a workspace); ``ix_ticket_events_kind_ticket_id_at`` gives the
tickets with a row of one kind before a time, and answers "has this ticket a resolution
(escalation, reopen) before t?" in one seek (``models/metrics_queries.py``).

Not ``(team_id, created_at)``: SQLite's planner without ANALYZE rates an equality on
any index's first column alike and takes the newest index, so that index would take
over every ``team_id = ?`` query (``/ticket queue`` went from 19 to 321 ms at 100,000
tickets); with ``created_at`` first it is used only where a period is asked for.

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
    op.create_index("ix_tickets_created_at_team_id", "tickets", ["created_at", "team_id"])
    op.create_index("ix_ticket_events_kind_ticket_id_at", "ticket_events", ["kind", "ticket_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_events_kind_ticket_id_at", table_name="ticket_events")
    op.drop_index("ix_tickets_created_at_team_id", table_name="tickets")
