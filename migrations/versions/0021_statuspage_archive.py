"""Status page updates and war-room archives (#21).

- ``statuspage_updates``: what the status page is owed about an incident, in order,
  claimed and retried like pages (``models/statuspage_updates.py``).
- ``incidents.statuspage_incident_id``, ``statuspage_url``: the incident on the status page.
- ``incidents.archive_owed_at``, ``archived_at``: the war room's archive, owed once, done.

Revision ID: 0021
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statuspage_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_statuspage_updates_incident_id_incidents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuspage_updates")),
    )
    op.create_index("ix_statuspage_updates_incident_id_id", "statuspage_updates", ["incident_id", "id"])
    op.create_index("ix_statuspage_updates_next_attempt_at", "statuspage_updates", ["next_attempt_at"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("statuspage_incident_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("statuspage_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("archive_owed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("archive_owed_at")
        batch.drop_column("statuspage_url")
        batch.drop_column("statuspage_incident_id")
    op.drop_index("ix_statuspage_updates_next_attempt_at", table_name="statuspage_updates")
    op.drop_index("ix_statuspage_updates_incident_id_id", table_name="statuspage_updates")
    op.drop_table("statuspage_updates")
