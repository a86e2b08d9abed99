"""Timeline rows of one kind in a period: ``ticket_events (kind, at, ticket_id)``.

``/ticket stats`` counts the tickets resolved in a period and reads the reopens and
escalations before its end as sets (``models/metrics_queries.py``). With only
``ix_ticket_events_kind_ticket_id_at`` each of those walked every row of the kind (all
90,000 resolutions at 100,000 tickets) to filter on ``at``; this index makes them
ranges. The ticket id completes it, so the sets are read from the index alone.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ticket_events_kind_at_ticket_id", "ticket_events", ["kind", "at", "ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_events_kind_at_ticket_id", table_name="ticket_events")
