"""The per-channel posting budget shared by every replica (``models/channel_pace.py``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_channel_pace",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_slack_channel_pace")),
    )


def downgrade() -> None:
    op.drop_table("slack_channel_pace")
