"""Database plumbing: URL, engine, sessions, migrations and a health ping.

Nothing here is global: the server builds one engine with :func:`make_engine` and one
session factory with :func:`make_session_factory`, and disposes the engine on shutdown.
Its sessions (:class:`OrderedSession`) let a request read what the same person's earlier
requests changed (``bot/request_order.py``).

SQLite connections get ``PRAGMA foreign_keys=ON``, a busy timeout (writers wait for
each other instead of failing with "database is locked") and, for file databases, WAL
journal mode (readers do not block the writer). Postgres connections are pre-pinged, so
a restarted server costs one failed checkout, not a broken pool, and run with JIT
compilation off (it cost more than the statements it was meant to speed up).

:func:`upgrade_database` runs ``alembic upgrade head`` on a connection of the running
engine (``conn.run_sync``, never ``command.upgrade`` inside the loop). It serialises
concurrent callers: on Postgres with a transaction-level advisory lock, on SQLite with
``BEGIN IMMEDIATE`` (across processes and replicas), and within one event loop with an
``asyncio.Lock`` (Alembic's ``context`` is process-global, so two migrations must not
interleave in one process even on different databases). On SQLite the migration runs
with foreign keys off (Alembic's batch mode recreates tables) and checks them before
it commits.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)

import migrations
from bot.request_order import wait_for_turn

__all__ = [
    "DEFAULT_DATABASE_URL",
    "MIGRATION_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "database_url",
    "downgrade_database",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "OrderedSession",
    "ping",
    "upgrade_database",
]

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./supportbot.db"
#: Postgres advisory-lock key held while migrating ("supportbot" in a fixed bigint).
MIGRATION_LOCK_KEY = 0x5355_5050_4F52_5442
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def database_url(environ: Mapping[str, str]) -> str:
    """The database URL from ``DATABASE_URL``, else the SQLite file in the cwd."""
    return environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def _is_sqlite_memory(database: str | None, query: Mapping[str, Any]) -> bool:
    return database in (None, "", ":memory:") or query.get("mode") == "memory"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with our per-dialect settings.

    Extra keyword arguments go to :func:`create_async_engine` (tests pass ``poolclass``).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        # Postgres JIT-compiles any statement its planner costs above 100,000: 15-230 ms
        # of compiling for statements that run in tens of ms (/ticket stats at 100,000
        # tickets; benchmarks/README.md). Short statements are all this bot runs.
        connect_args = dict(kwargs.get("connect_args") or {})  # the caller's dicts stay theirs
        connect_args["server_settings"] = {"jit": "off", **connect_args.get("server_settings", {})}
        kwargs["connect_args"] = connect_args
        return create_async_engine(url, **kwargs)
    engine = create_async_engine(url, **kwargs)
    if backend == "sqlite":
        wal = not _is_sqlite_memory(parsed.database, parsed.query)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect(wal))
    return engine


def _sqlite_on_connect(wal: bool) -> Callable[[Any, Any], None]:
    """A ``connect`` listener setting our pragmas on each new SQLite connection."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.fetchall()
        finally:
            cursor.close()

    return on_connect


class _TransactionInTurn(AsyncSessionTransaction):
    async def __aenter__(self) -> AsyncSessionTransaction:
        await wait_for_turn()
        return await super().__aenter__()


class OrderedSession(AsyncSession):
    """A session that, opened by a request's listener (``async with sessions() as db`` or
    ``async with sessions.begin() as db``), first waits until the same person's earlier
    requests have finished (``bot/request_order.py``): a request reads what the person's
    earlier ones changed, even when those were acknowledged to Slack before they
    committed. Anywhere else (timers, sweeps, tests) it is a plain ``AsyncSession``."""

    async def __aenter__(self) -> OrderedSession:
        await wait_for_turn()
        return self

    def begin(self) -> AsyncSessionTransaction:
        return _TransactionInTurn(self)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine`` whose objects stay readable after commit, in turn
    (:class:`OrderedSession`)."""
    return async_sessionmaker(engine, class_=OrderedSession, expire_on_commit=False)


def alembic_config(connection: Connection | None = None, *,
                   on_progress: Callable[[int, int], None] | None = None) -> Config:
    """An Alembic config for the installed ``migrations`` package, from any cwd.

    With ``connection``, ``migrations/env.py`` migrates on it (synchronously, inside
    ``run_sync``) instead of creating its own engine. ``on_progress(done, total)`` is
    called before the first revision and after each one (``db upgrade``'s progress bar).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if connection is not None and on_progress is not None:
        current = _stored_revision(connection)
        script = ScriptDirectory.from_config(cfg)
        total = len(list(script.iterate_revisions("heads", current or "base")))
        done = 0
        on_progress(done, total)

        def applied(**_: Any) -> None:
            nonlocal done
            done += 1
            on_progress(done, total)

        cfg.attributes["on_version_apply"] = applied
    return cfg


def _stored_revision(connection: Connection) -> str | None:
    """The revision in ``alembic_version`` (None: never migrated), read without Alembic's
    own context (which logs two lines each time it is set up)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the first revision ships with the package
        raise RuntimeError("no Alembic revisions found")
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: never migrated)."""

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def upgrade_database(engine: AsyncEngine, *, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Bring the schema to head; safe to call from several processes at once.
    ``on_progress(done, total)``: revisions applied of those pending."""
    await _migrate(engine, lambda conn: command.upgrade(alembic_config(conn, on_progress=on_progress), "head"))
    log.info("database schema at revision %s", head_revision())


async def downgrade_database(engine: AsyncEngine, revision: str = "base") -> None:
    """Take the schema down to ``revision`` (``"base"``: drop every table)."""
    await _migrate(engine, lambda conn: command.downgrade(alembic_config(conn), revision))


_loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _loop_lock() -> asyncio.Lock:
    """One migration at a time per event loop (Alembic's context is a global)."""
    loop = asyncio.get_running_loop()
    lock = _loop_locks.get(loop)
    if lock is None:
        lock = _loop_locks[loop] = asyncio.Lock()
    return lock


async def _migrate(engine: AsyncEngine, run: Callable[[Connection], None]) -> None:
    """Run an Alembic command on one connection, in one transaction, under locks."""
    async with _loop_lock():
        await _migrate_locked(engine, run)


async def _migrate_locked(engine: AsyncEngine, run: Callable[[Connection], None]) -> None:
    """Take the database-level lock, run, check (SQLite: foreign keys), commit."""
    dialect = engine.dialect.name
    async with engine.connect() as conn:
        if dialect == "sqlite":
            # PRAGMA foreign_keys is a no-op inside a transaction: set it before BEGIN.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        try:
            await conn.run_sync(run)
            if dialect == "sqlite":
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        finally:
            if dialect == "sqlite":
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def ping(engine: AsyncEngine, timeout: float = 2.0) -> bool:
    """True if the database answers ``SELECT 1`` within ``timeout`` seconds."""

    async def select_one() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(select_one(), timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("database ping failed: %s", f"{type(exc).__name__}: {exc}"[:300])
        return False
    return True
