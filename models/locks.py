"""One row lock for both databases: hold a row until the transaction ends.

Postgres: ``SELECT … FOR UPDATE``. SQLite has no row locks, and its driver starts the
transaction only at the first write (a SELECT before it runs outside), so there a no-op
UPDATE of the row comes first: it takes SQLite's database-wide write lock, so the read
after it sees every earlier commit and no other writer gets in before we commit.

    ticket = await lock_row(db, Ticket, Ticket.id == ticket_id)   # None: no such row

The row is read again even when the session holds it already (``populate_existing``):
what the caller sees is what it holds the lock on.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import Base, dialect_name

__all__ = ["lock_row"]

M = TypeVar("M", bound=Base)


def _no_op_column(table: Table) -> Any:
    """The column the SQLite no-op sets to itself: one no key depends on, so the write
    checks no foreign key and no uniqueness."""
    return next(c for c in table.columns if not (c.primary_key or c.foreign_keys or c.unique))


async def lock_row(db: AsyncSession, model: type[M], where: ColumnElement[bool]) -> M | None:
    """The row of ``model`` matching ``where`` (at most one), held until commit; None if none."""
    if dialect_name(db) == "sqlite":
        column = _no_op_column(model.__table__)  # type: ignore[arg-type]
        await db.execute(update(model).where(where).values({column.key: column})
                         .execution_options(synchronize_session=False))
    stmt = select(model).where(where).with_for_update().execution_options(populate_existing=True)
    return (await db.execute(stmt)).scalar_one_or_none()
