"""Initial schema.

Tickets, their timeline and counters, SLA notifications, incidents and their
timeline, pages, and processed Slack deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Hand-cleaned from ``alembic revision --autogenerate``. Names follow the naming
convention of ``models.base.NAMING_CONVENTION``; timestamps are ``timestamptz`` (the
models wrap them in ``UTCDateTime``); status/kind columns are plain ``VARCHAR(32)``
holding ``StrEnum`` values, without CHECK constraints (adding a member needs no
migration).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    """A ``timestamp with time zone`` column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str, length: int = 64, nullable: bool = True) -> sa.Column:
    """A Slack id (user, channel, team) or message ts column."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _count(name: str) -> sa.Column:
    """A non-negative counter starting at 0."""
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    """Create every table with its indexes and constraints."""
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        _id("team_id", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=255), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), server_default="open", nullable=False),
        _id("reporter_id", nullable=False),
        _id("assignee_id"),
        sa.Column("customer", sa.Text(), nullable=True),
        _id("origin_channel_id"),
        _id("channel_id"),
        _id("message_ts", 32),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("source_permalink", sa.Text(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        _ts("first_response_at"),
        _id("first_response_by"),
        _ts("resolved_at"),
        _id("resolved_by"),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        _ts("first_response_due_at"),
        _ts("resolution_due_at"),
        _ts("next_response_due_at"),
        _ts("waiting_since"),
        _count("paused_seconds"),
        _count("reopen_count"),
        _count("escalation_count"),
        sa.Column("csat_rating", sa.Integer(), nullable=True),
        _ts("csat_at"),
        sa.CheckConstraint(
            "csat_rating IS NULL OR (csat_rating >= 1 AND csat_rating <= 5)",
            name=op.f("ck_tickets_csat_rating_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_tickets_team_id_number")),
    )
    op.create_index("ix_tickets_assignee_id", "tickets", ["assignee_id"])
    op.create_index("ix_tickets_reporter_id", "tickets", ["reporter_id"])
    op.create_index("ix_tickets_channel_id_message_ts", "tickets", ["channel_id", "message_ts"])
    op.create_index("ix_tickets_status_tier", "tickets", ["status", "tier"])
    op.create_index("ix_tickets_first_response_due_at", "tickets", ["first_response_due_at"])
    op.create_index("ix_tickets_resolution_due_at", "tickets", ["resolution_due_at"])
    op.create_index("ix_tickets_next_response_due_at", "tickets", ["next_response_due_at"])

    op.create_table(
        "ticket_counters",
        _id("team_id", nullable=False),
        _count("last_number"),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_ticket_counters")),
    )

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _id("actor_id"),
        _ts("at", nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index("ix_ticket_events_at", "ticket_events", ["at"])
    op.create_index("ix_ticket_events_ticket_id_at", "ticket_events", ["ticket_id", "at"])

    op.create_table(
        "sla_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _ts("due_at", nullable=False),
        _ts("claimed_at"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sla_notifications_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notifications")),
        sa.UniqueConstraint(
            "ticket_id", "kind", "due_at", name=op.f("uq_sla_notifications_ticket_id_kind_due_at")
        ),
    )
    op.create_index("ix_sla_notifications_due_at", "sla_notifications", ["due_at"])
    op.create_index(
        "ix_sla_notifications_claimed_at_due_at", "sla_notifications", ["claimed_at", "due_at"]
    )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        _id("team_id", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), server_default="open", nullable=False),
        _id("commander_id", nullable=False),
        _id("comms_id"),
        _id("channel_id"),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        _id("declaration_ts", 32),
        _id("announcement_channel_id"),
        _id("announcement_ts", 32),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        _id("declared_by", nullable=False),
        _ts("declared_at", nullable=False),
        _ts("last_update_at"),
        _ts("next_update_due_at"),
        _ts("last_external_update_at"),
        _ts("next_external_update_due_at"),
        _ts("resolved_at"),
        _id("resolved_by"),
        sa.Column("summary", sa.Text(), nullable=True),
        _ts("postmortem_due_at"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_incidents_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_incidents_channel_id")),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_incidents_ticket_id", "incidents", ["ticket_id"])
    op.create_index("ix_incidents_next_update_due_at", "incidents", ["next_update_due_at"])
    op.create_index(
        "ix_incidents_next_external_update_due_at", "incidents", ["next_external_update_due_at"]
    )

    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _id("actor_id"),
        _ts("at", nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index("ix_incident_events_at", "incident_events", ["at"])
    op.create_index("ix_incident_events_incident_id_at", "incident_events", ["incident_id", "at"])

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), server_default="triggered", nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _ts("triggered_at", nullable=False),
        _ts("acknowledged_at"),
        _id("acknowledged_by"),
        _ts("resolved_at"),
        _id("mirror_channel_id"),
        _id("mirror_ts", 32),
        _id("dm_channel_id"),
        _id("dm_ts", 32),
        _id("oncall_user_id"),
        _count("escalation_level"),
        _ts("ack_due_at"),
        sa.Column("pagerduty_sent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("pd_pending_action", sa.String(length=16), nullable=True),
        _count("pd_attempts"),
        _ts("pd_next_attempt_at"),
        sa.Column("pd_last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_pages_dedup_key")),
    )
    op.create_index("ix_pages_subject_kind_subject_id", "pages", ["subject_kind", "subject_id"])
    op.create_index("ix_pages_mirror_channel_id_mirror_ts", "pages", ["mirror_channel_id", "mirror_ts"])
    op.create_index("ix_pages_ack_due_at", "pages", ["ack_due_at"])
    op.create_index("ix_pages_pd_next_attempt_at", "pages", ["pd_next_attempt_at"])

    op.create_table(
        "slack_deliveries",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        _ts("received_at", nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_deliveries")),
    )
    op.create_index("ix_slack_deliveries_received_at", "slack_deliveries", ["received_at"])


def downgrade() -> None:
    """Drop every table (their indexes go with them), children first."""
    for table in (
        "slack_deliveries",
        "pages",
        "incident_events",
        "incidents",
        "sla_notifications",
        "ticket_events",
        "ticket_counters",
        "tickets",
    ):
        op.drop_table(table)
