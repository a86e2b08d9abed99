"""The database's clock, for times that several processes compare: leases.

Each replica's own clock may be seconds off (and a test's clock is whatever the test
says); a lease taken by one replica and checked by another must be measured on one
clock, the database's. ``db_now()`` is the database's current time as a SQL
expression, ``db_now(plus=timedelta(seconds=30))`` that time plus a duration, for use
inside a statement (``WHERE lease_until < db_now()``, ``.values(lease_until=db_now(LEASE))``):

- Postgres: ``clock_timestamp() + interval`` (the time of the statement, not of the
  transaction's start);
- SQLite: ``strftime('%Y-%m-%d %H:%M:%f', 'now', '+30.000 seconds') || '000'``, the
  text form in which ``UTCDateTime`` stores a time (UTC, microseconds), so that the
  database compares it with stored times correctly and reads it back as any other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Float, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models.base import UTCDateTime

__all__ = ["db_now"]


class db_now(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """The database's current time (plus ``plus``), typed as ``UTCDateTime``."""

    type = UTCDateTime()
    inherit_cache = True
    name = "db_now"

    def __init__(self, plus: timedelta = timedelta(0)) -> None:
        super().__init__(bindparam(None, plus.total_seconds(), type_=Float(), unique=True))


@compiles(db_now, "postgresql")
def _postgres(element: db_now, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"(clock_timestamp() + CAST({seconds} AS double precision) * interval '1 second')"


@compiles(db_now, "sqlite")
def _sqlite(element: db_now, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"(strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%+.3f seconds', {seconds})) || '000')"
