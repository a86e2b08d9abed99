"""Reading database errors: which mean the database cannot be reached, and which are
worth another try.

Unavailable (``is_database_unavailable``, answered to a person as such, not as a bug): a
refused or dropped connection, a server shutting down or starting up, a pool timeout.

Worth another try (``is_transient``):

A transient error says nothing about the work itself: the same statements succeed a
moment later. Everything else (a constraint, a bug, a schema that does not match) fails
again however often it is tried.

Transient:
- a connection that was lost or could not be had: SQLAlchemy marks the error
  ``connection_invalidated``, a pool timeout, a disconnect, a refused or reset
  connection (``ConnectionError``, ``TimeoutError``);
- Postgres, by SQLSTATE: serialization failure (40001), deadlock (40P01), lock not
  available (55P03), statement or lock timeout (57014), too many connections (53300),
  the server shutting down or starting up (57P01, 57P02, 57P03), and every connection
  exception (class 08);
- SQLite: "database is locked" and "database table is locked" (``SQLITE_BUSY``,
  ``SQLITE_LOCKED``, with their extended codes), which a writer gets when another
  one held the lock longer than the busy timeout.

SQLite raises ``OperationalError`` for missing tables and columns too, so the class of
an error alone never makes it transient.
"""

from __future__ import annotations

import sqlite3
import traceback
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["is_database_unavailable", "RETRYABLE_SQLSTATES", "is_transient"]

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014", "53300", "57P01", "57P02", "57P03"})
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_LOCK_MESSAGES = ("database is locked", "database table is locked")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what caused it, each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _orig(error: BaseException) -> BaseException | None:
    return error.orig if isinstance(error, DBAPIError) and isinstance(error.orig, BaseException) else None


def is_transient(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) is one of the transient errors above."""
    for current in _chain(error):
        for candidate in (current, _orig(current)):
            if candidate is not None and _transient_itself(candidate):
                return True
    return False


def _transient_itself(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (DisconnectionError, PoolTimeout, ConnectionError, TimeoutError)):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate in RETRYABLE_SQLSTATES or sqlstate.startswith("08")):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    return isinstance(error, sqlite3.OperationalError) and str(error).startswith(_SQLITE_LOCK_MESSAGES)


_DRIVER_PATHS = ("/sqlalchemy/", "/asyncpg/", "/aiosqlite/")


def is_database_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) means the database cannot be reached: a
    refused or dropped connection, a server shutting down or starting up, a pool timeout.
    Network errors count only when raised inside the database driver (not Slack's)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if type(current).__module__.startswith("asyncpg") and type(current).__name__ in (
                "CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError",
                "AdminShutdownError", "CrashShutdownError", "InterfaceError"):
            return True
        if isinstance(current, (ConnectionError, TimeoutError, OSError)) and _raised_in_driver(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _raised_in_driver(error: BaseException) -> bool:
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    return any(any(part in frame.filename for part in _DRIVER_PATHS) for frame in frames)
