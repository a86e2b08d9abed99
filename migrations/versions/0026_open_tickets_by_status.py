"""The open tickets counted by state, from an index alone: ``tickets (status, team_id,
created_at, id)``.

`/ticket stats` and `supportbot report` count the open tickets twice: the backlog by
state at the period's end (``models/lifecycle_queries.py``) and the open volume
(``models/metrics_queries.py``), each of a workspace and opened before the period's
end. With ``ix_tickets_status_tier`` alone each read every open ticket's row (Postgres:
a bitmap heap scan, 110-140 ms at 1,000,000 tickets; SQLite chose the workspace's
``(team_id, number)`` key instead: every ticket, 250 ms); this index holds all they
read, so both are ranges of it (a few ms per 10,000 open tickets).

Revision ID: 0026
Revises: 0023 (the lead re-chains; on this branch after 0024, the head of main)
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_team_id_created_at", "tickets", ["status", "team_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_team_id_created_at", table_name="tickets")
