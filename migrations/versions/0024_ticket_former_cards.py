"""A moved ticket's former cards (#19): their threads stay the ticket's conversation.

- ``ticket_former_cards``: one row per card a ticket left behind when it moved (channel,
  ts; the primary key is the look-up every thread reply makes), when it moved, and when
  the first reply there after the move was pointed to the ticket's card.
- Existing rows are filled from the timeline's ``moved`` rows (``from_channel``,
  ``from_ts`` in their detail; a move made before the card was posted has none), not
  pointed yet: the first reply there after the upgrade gets the pointer.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_events = sa.table("ticket_events", sa.column("ticket_id", sa.Integer()), sa.column("kind", sa.String()),
                   sa.column("at", sa.DateTime(timezone=True)), sa.column("detail", sa.JSON()))


def upgrade() -> None:
    former = op.create_table(
        "ticket_former_cards",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pointed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_former_cards_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel_id", "message_ts", name=op.f("pk_ticket_former_cards")),
    )
    op.create_index(op.f("ix_ticket_former_cards_ticket_id"), "ticket_former_cards", ["ticket_id"])
    moves = op.get_bind().execute(
        sa.select(_events.c.ticket_id, _events.c.at, _events.c.detail).where(_events.c.kind == "moved")
        .order_by(_events.c.at))
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for ticket_id, at, detail in moves:
        channel, ts = (detail or {}).get("from_channel"), (detail or {}).get("from_ts")
        if isinstance(channel, str) and isinstance(ts, str) and channel and ts:
            rows.setdefault((channel, ts), {"channel_id": channel, "message_ts": ts, "ticket_id": ticket_id,
                                            "moved_at": at})
    if rows:
        op.bulk_insert(former, list(rows.values()))


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_former_cards_ticket_id"), table_name="ticket_former_cards")
    op.drop_table("ticket_former_cards")
