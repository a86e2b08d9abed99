"""The escalation matrix as policy (#18).

- ``tickets.tier_entered_at``: when the ticket entered its tier by an escalation.
- ``tickets.tier_response_due_at``: the tier's response clock (``tiers[].response``).
- ``auto_escalations``: one row per rule of the matrix that fired for a ticket, so each
  automatic escalation (and the management notice) happens at most once per ticket.

The new ``sla_notifications`` kinds (tier response, timed escalations) need no change:
kinds are plain text (``models.base.str_enum``).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("tier_entered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("tier_response_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_tickets_tier_response_due_at", ["tier_response_due_at"])
    op.create_table(
        "auto_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("to_tier", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_auto_escalations_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_escalations")),
        sa.UniqueConstraint("ticket_id", "rule", name=op.f("uq_auto_escalations_ticket_id_rule")),
    )


def downgrade() -> None:
    op.drop_table("auto_escalations")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_tier_response_due_at")
        batch.drop_column("tier_response_due_at")
        batch.drop_column("tier_entered_at")
