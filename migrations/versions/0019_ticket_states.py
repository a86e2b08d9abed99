"""The ticket lifecycle as a state machine (#19).

- ``tickets.status``: ``open``/``resolved`` become ``new``, ``triaged``, ``in_progress``,
  ``waiting``, ``resolved``, ``closed``. Existing rows: open with an assignee ->
  ``in_progress``, open and waiting on the customer -> ``waiting`` (whoever holds it),
  other open ones -> ``new``, resolved -> ``resolved``. Down again: every open state ->
  ``open``, ``closed`` -> ``resolved``.
- ``tickets.triaged_at``, ``closed_at``, ``merged_into_id``, ``follows_up_id``; and
  ``desk_replied_at`` (filled from the timeline: the last reply by someone other than
  the reporter, else the creation) with ``update_reminded_for`` for the quiet-thread
  reminder (``tickets.update_every``).
- ``ticket_watchers``: reporters of tickets merged into another one.
- ``agents_away`` (``/ticket away``) and ``assignment_cursors`` (round robin per tier).

Revision ID: 0019
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "('new', 'triaged', 'in_progress', 'waiting')"


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("follows_up_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("desk_replied_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("update_reminded_for", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("status", existing_type=sa.String(length=32), server_default="new")
        batch.create_index("ix_tickets_merged_into_id", ["merged_into_id"])
    op.execute("UPDATE tickets SET status = CASE "
               "WHEN waiting_since IS NOT NULL THEN 'waiting' "
               "WHEN assignee_id IS NOT NULL THEN 'in_progress' "
               "ELSE 'new' END WHERE status = 'open'")
    op.execute("UPDATE tickets SET desk_replied_at = COALESCE(("
               "SELECT MAX(e.at) FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'replied' "
               "AND e.actor_id IS NOT NULL AND e.actor_id <> tickets.reporter_id), created_at)")
    op.create_table(
        "ticket_watchers",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("via_ticket_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_watchers_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name=op.f("pk_ticket_watchers")),
    )
    op.create_table(
        "agents_away",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_agents_away")),
    )
    op.create_table(
        "assignment_cursors",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("tier_id", sa.String(length=64), nullable=False),
        sa.Column("last_user_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "tier_id", name=op.f("pk_assignment_cursors")),
    )


def downgrade() -> None:
    op.drop_table("assignment_cursors")
    op.drop_table("agents_away")
    op.drop_table("ticket_watchers")
    op.execute(f"UPDATE tickets SET status = 'open' WHERE status IN {_OPEN}")
    op.execute("UPDATE tickets SET status = 'resolved' WHERE status = 'closed'")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_merged_into_id")
        batch.alter_column("status", existing_type=sa.String(length=32), server_default="open")
        batch.drop_column("update_reminded_for")
        batch.drop_column("desk_replied_at")
        batch.drop_column("follows_up_id")
        batch.drop_column("merged_into_id")
        batch.drop_column("closed_at")
        batch.drop_column("triaged_at")
