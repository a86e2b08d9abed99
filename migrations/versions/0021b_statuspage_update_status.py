"""The status a customer update sets on the status page (#21).

- ``statuspage_updates.status``: investigating, identified or monitoring, as typed in
  `/incident external identified …`; NULL keeps the incident's status there (a create
  without one says *investigating*).

Revision ID: 0021b
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021b"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("statuspage_updates") as batch:
        batch.add_column(sa.Column("status", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statuspage_updates") as batch:
        batch.drop_column("status")
