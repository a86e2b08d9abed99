"""Which database errors are transient (``models/db_errors.py``): as SQLAlchemy hands
them over, wrapping what the drivers raise."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from models.db_errors import is_transient


def wrapped(orig: Exception, cls=DBAPIError, **kw) -> DBAPIError:
    error = cls("UPDATE sla_notifications SET claimed_at=?", {}, orig, **kw)
    error.__cause__ = orig
    return error


def postgres(error: asyncpg.PostgresError, cls=DBAPIError) -> DBAPIError:
    adapted = AsyncAdapt_asyncpg_dbapi.Error(str(error), error)
    adapted.__cause__ = error
    return wrapped(adapted, cls)


@pytest.mark.parametrize("error", [
    asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    asyncpg.exceptions.SerializationError("could not serialize access"),
    asyncpg.exceptions.LockNotAvailableError("could not obtain lock"),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.TooManyConnectionsError("too many clients"),
    asyncpg.exceptions.ConnectionFailureError("connection failure"),
], ids=lambda e: type(e).__name__)
def test_postgres_retryable_states_are_transient(error):
    assert is_transient(postgres(error))


@pytest.mark.parametrize("error", [
    asyncpg.exceptions.UniqueViolationError("duplicate key"),
    asyncpg.exceptions.UndefinedColumnError("column does not exist"),
    asyncpg.exceptions.DivisionByZeroError("division by zero"),
], ids=lambda e: type(e).__name__)
def test_other_postgres_errors_are_not(error):
    assert not is_transient(postgres(error, IntegrityError))


@pytest.mark.parametrize("message", ["database is locked", "database table is locked"])
def test_a_locked_sqlite_database_is_transient_by_message_or_code(message):
    assert is_transient(wrapped(sqlite3.OperationalError(message), OperationalError))
    coded = sqlite3.OperationalError("locked")
    coded.sqlite_errorcode = 517  # SQLITE_BUSY_SNAPSHOT: an extended SQLITE_BUSY
    assert is_transient(wrapped(coded, OperationalError))


@pytest.mark.parametrize("message", ["no such table: tickets", "no such column: x", "near \"x\": syntax error"])
def test_other_sqlite_operational_errors_are_not(message):
    assert not is_transient(wrapped(sqlite3.OperationalError(message), OperationalError))


def test_lost_connections_and_pool_timeouts_are_transient():
    assert is_transient(wrapped(ConnectionResetError("reset"), connection_invalidated=True))
    assert is_transient(PoolTimeout("QueuePool limit reached"))
    assert is_transient(wrapped(ConnectionRefusedError(111, "refused"), OperationalError))


def test_errors_outside_the_database_are_not():
    assert not is_transient(ValueError("bad"))
    assert not is_transient(wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"), IntegrityError))
    assert not is_transient(wrapped(sqlite3.ProgrammingError("closed"), ProgrammingError))
