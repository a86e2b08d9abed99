"""The Slack outbox: when a message was given up on, and the relay's pause on auth errors.

``slack_outbox.failed_at`` (``supportbot doctor`` lists the messages given up on in the
last day) and ``slack_outbox_pauses`` (``models/outbox_pause.py``).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_outbox") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "slack_outbox_pauses",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_slack_outbox_pauses")),
    )


def downgrade() -> None:
    op.drop_table("slack_outbox_pauses")
    with op.batch_alter_table("slack_outbox") as batch:
        batch.drop_column("failed_at")
