"""Tickets opened where customers are (#20): from a message, in a customer's thread, on a plan.

- ``tickets.source_channel_id``, ``tickets.source_ts``: the Slack message a ticket was
  opened from (a reaction, a customer channel, the message shortcut), unique together:
  one message opens at most one ticket, whatever replica or redelivery tries a second
  (NULLs, the tickets opened with /ticket, never collide).
- ``tickets.customer_thread``: the ticket's conversation is that message's thread in the
  customer's channel (mirrored into the card's thread and back).
- ``tickets.plan``: the customer's plan when the ticket was opened (its targets and hours).

Revision ID: 0020
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("source_channel_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("source_ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("customer_thread", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("plan", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_tickets_source_channel_id_source_ts", ["source_channel_id", "source_ts"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_source_channel_id_source_ts", type_="unique")
        batch.drop_column("plan")
        batch.drop_column("customer_thread")
        batch.drop_column("source_ts")
        batch.drop_column("source_channel_id")
