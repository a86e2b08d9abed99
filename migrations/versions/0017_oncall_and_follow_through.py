"""On-call operations (#21): overrides and swaps, and the on-call timeline.

- ``oncall_overrides``: someone is primary for a span instead of the scheduled person
  (``/oncall override``, ``/oncall swap``); the newest row covering a moment wins.
- ``oncall_events``: the on-call timeline.
- ``oncall_snapshots``: PagerDuty's last answer about who is on call (one row per source).
- ``pages.oncall_source``: who said the paged person is on call (the mirror shows it).
- ``oncall_handovers``: one row per turn, claimed once by its unique ``previous_id``.
- ``incidents.private``: a private war room, announced without details.
- ``incident_actions``: action items (owner, due day, done), numbered per incident.
- ``incidents.postmortem_owner_id``, ``postmortem_done_at``, ``postmortem_url``,
  ``postmortem_reminded_at``: the post-mortem's owner, completion and reminders.
- ``incidents.executives_notified_at``, ``executives_resolution_notified_at``: the
  executives' notices, each claimed once.

Revision ID: 0017
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("replaces_user_id", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_overrides")),
    )
    op.create_index("ix_oncall_overrides_ends_at_starts_at", "oncall_overrides", ["ends_at", "starts_at"])
    op.create_table(
        "oncall_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_events")),
    )
    op.create_index("ix_oncall_events_at", "oncall_events", ["at"])
    op.create_table(
        "oncall_snapshots",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_oncall_snapshots")),
    )
    op.create_table(
        "oncall_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("from_primary", sa.String(length=64), nullable=True),
        sa.Column("from_secondary", sa.String(length=64), nullable=True),
        sa.Column("to_primary", sa.String(length=64), nullable=True),
        sa.Column("to_secondary", sa.String(length=64), nullable=True),
        sa.Column("announced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("usergroup_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_handovers")),
        sa.UniqueConstraint("previous_id", name=op.f("uq_oncall_handovers_previous_id")),
    )
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("oncall_source", sa.String(length=32), nullable=True))
    op.create_table(
        "incident_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_incident_actions_incident_id_incidents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_actions")),
        sa.UniqueConstraint("incident_id", "number", name=op.f("uq_incident_actions_incident_id_number")),
    )
    op.create_index("ix_incident_actions_done_at_due_on", "incident_actions", ["done_at", "due_on"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("executives_notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("executives_resolution_notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("postmortem_owner_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("postmortem_done_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("postmortem_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("postmortem_reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("postmortem_reminded_at")
        batch.drop_column("postmortem_url")
        batch.drop_column("postmortem_done_at")
        batch.drop_column("postmortem_owner_id")
        batch.drop_column("executives_resolution_notified_at")
        batch.drop_column("executives_notified_at")
        batch.drop_column("private")
    op.drop_index("ix_incident_actions_done_at_due_on", table_name="incident_actions")
    op.drop_table("incident_actions")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("oncall_source")
    op.drop_table("oncall_snapshots")
    op.drop_table("oncall_handovers")
    op.drop_index("ix_oncall_events_at", table_name="oncall_events")
    op.drop_table("oncall_events")
    op.drop_index("ix_oncall_overrides_ends_at_starts_at", table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
