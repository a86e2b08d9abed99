"""Scale x10 (#23): partial indexes of the open tickets, in the open lists' order.

`/ticket queue` and the App Home list a tier's open tickets nearest deadline first, with
a count; with a million tickets, 95% of them resolved, reading them through
``(status, tier)`` and sorting took most of the time. Each index below holds only the
open tickets (``status IN ('new', 'triaged', 'in_progress', 'waiting')``), ordered as a
list shows them: ``team_id``, the list's own column (a tier, an assignee, a reporter; or
none: every open ticket), whether the ticket has a deadline, the deadline
(``models.tickets.sla_deadline``), its number. A page reads its own rows; a count reads
the list's index entries only.

The expression is built here as ``models.tickets.sla_deadline`` builds it, from this
revision's own table stub rather than the models (which may change later): both planners
match an indexed expression to the query's by its form, and a partial index's predicate
to the query's literal statuses.

Revision ID: 0025
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.expression import Grouping

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = ("new", "triaged", "in_progress", "waiting")
_tickets = sa.table(
    "tickets", *(sa.column(name) for name in (
        "team_id", "tier", "assignee_id", "reporter_id", "number", "status", "first_response_at",
        "first_response_due_at", "next_response_due_at", "resolution_due_at")))
_c = _tickets.c
_INDEXES = {  # name: the list's own columns after team_id
    "ix_tickets_open_tier_deadline": ("tier",),
    "ix_tickets_open_deadline": (),
    "ix_tickets_open_assignee_deadline": ("assignee_id",),
    "ix_tickets_open_reporter_deadline": ("reporter_id",),
}


def _deadline() -> sa.ColumnElement:
    first, following, resolution = _c.first_response_due_at, _c.next_response_due_at, _c.resolution_due_at

    def not_after(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
        return sa.or_(b.is_(None), a <= b)

    return sa.case(
        (sa.and_(_c.first_response_at.is_(None), first.is_not(None), not_after(first, following),
                 not_after(first, resolution)), first),
        (sa.and_(following.is_not(None), not_after(following, resolution)), following),
        else_=resolution,
    )


def upgrade() -> None:
    where = _c.status.in_([sa.literal_column(f"'{status}'") for status in _OPEN])
    for name, columns in _INDEXES.items():
        deadline = _deadline()
        op.create_index(name, "tickets", [_c.team_id, *(_c[column] for column in columns), deadline.is_(None),
                                          Grouping(deadline), _c.number],  # (CASE ...): brackets for Postgres
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="tickets")
