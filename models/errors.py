"""Which errors mean "the database cannot be reached" (answered as such, not as a bug)."""

from __future__ import annotations

import traceback

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["is_database_unavailable"]

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
