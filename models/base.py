"""Declarative base, shared column types and small portable query helpers.

Every model inherits :class:`Base`. Its ``MetaData`` carries a naming convention so
that every index and constraint has a predictable name (Alembic needs names to alter
or drop them later, and SQLite's batch mode needs them to recreate tables).

``Mapped[datetime]`` columns are mapped to :class:`UTCDateTime` automatically (see
``Base.type_annotation_map``): values must be timezone-aware on the way in and come
back aware, in UTC, on both SQLite and Postgres.

Status and kind columns use :func:`str_enum`: a ``VARCHAR(32)`` holding the
``StrEnum``'s value, without a CHECK constraint, so adding a member needs no migration.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, DateTime, Dialect, Enum, Index, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "UTCDateTime",
    "conflict_insert",
    "dialect_name",
    "include_object",
    "insert_ignore",
    "str_enum",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic ``include_object`` hook: leave indexes on expressions out of model
    comparisons. Alembic compares them by their SQL text, which Postgres prints back
    reformatted (a ``CASE`` over several lines) and SQLite cannot reflect at all, so they
    never compare equal; ``tests/integration/test_migrations.py`` checks them against the
    models' DDL itself."""
    return not (type_ == "index" and isinstance(obj, Index)
                and not all(isinstance(expr, Column) for expr in obj.expressions))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC.

    On the way in a naive datetime raises ``ValueError`` (we never guess a zone) and an
    aware one is converted to UTC, so SQLite, which stores the text without an offset,
    still orders and compares correctly. On the way out UTC is re-attached (SQLite
    returns naive values) or the value is normalised to UTC (Postgres).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: attach a timezone (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite keeps the text only; store it normalised to UTC, without offset.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the driver gave back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[enum.StrEnum], length: int = 32) -> Enum:
    """Column type for a ``StrEnum``: stores its values in a plain ``VARCHAR``."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(AsyncAttrs, DeclarativeBase):
    """Declarative base of every supportbot table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def dialect_name(db: AsyncSession) -> str:
    """The SQL dialect (``"sqlite"`` or ``"postgresql"``) the session talks to."""
    return db.get_bind().dialect.name


def conflict_insert(dialect: str, target: Any) -> Any:
    """The dialect's ``INSERT`` into ``target`` (a model or table), which knows ``ON
    CONFLICT`` (``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
    if dialect == "sqlite":
        return sqlite.insert(target)
    if dialect == "postgresql":
        return postgresql.insert(target)
    raise NotImplementedError(f"no ON CONFLICT insert for dialect {dialect!r}")  # we support exactly these two


async def insert_ignore(db: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless it conflicts with an existing key; True if it was inserted.

    Portable ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: atomic on both SQLite
    (3.35+) and Postgres, so two concurrent callers never both get True.
    """
    stmt = conflict_insert(dialect_name(db), model).values(**values).on_conflict_do_nothing()
    pk = next(iter(model.__table__.primary_key.columns))
    result = await db.execute(stmt.returning(pk))
    return result.first() is not None

