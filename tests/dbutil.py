"""Throwaway databases for tests: a SQLite file in a temp dir, or a fresh Postgres
database with a random name on the test server, dropped afterwards.

The CI runs the suite twice: with ``DATABASE_URL`` unset (SQLite) and with
``DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test``. Tests never use
that database itself; they create ``sb_test_<hex>`` databases next to it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.database import make_engine, upgrade_database

__all__ = [
    "DEFAULT_TEST_POSTGRES_URL",
    "held_writes",
    "migrated_engine",
    "test_database_kind",
    "test_postgres_server_url",
    "throwaway_database",
]

DEFAULT_TEST_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_database_kind() -> str:
    """``"postgres"`` when ``DATABASE_URL`` points at Postgres, else ``"sqlite"``."""
    return "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "sqlite"


test_database_kind.__test__ = False  # type: ignore[attr-defined]  # not a test itself


def test_postgres_server_url() -> str:
    """The Postgres server throwaway databases are created on.

    ``TEST_POSTGRES_URL``, else ``DATABASE_URL`` when it is a Postgres URL, else the
    local default. Only its server part matters; its database is the maintenance db.
    """
    explicit = os.environ.get("TEST_POSTGRES_URL", "").strip()
    if explicit:
        return explicit
    env_url = os.environ.get("DATABASE_URL", "").strip()
    if env_url.startswith("postgresql"):
        return env_url
    return DEFAULT_TEST_POSTGRES_URL


test_postgres_server_url.__test__ = False  # type: ignore[attr-defined]


@asynccontextmanager
async def throwaway_database(kind: str, *, server_url: str | None = None,
                             prefix: str = "sb_test_") -> AsyncIterator[str]:
    """Yield the URL of a new, empty database of ``kind`` ("sqlite" or "postgres"): a
    SQLite file in a temporary folder, or ``{prefix}<hex>`` on the Postgres server
    (``server_url``, else the tests' one), dropped afterwards WITH (FORCE)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'x.db'}"
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r} (sqlite or postgres)")

    server = make_url(server_url or test_postgres_server_url())
    name = f"{prefix}{secrets.token_hex(8)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def migrated_engine(kind: str) -> AsyncIterator[AsyncEngine]:
    """Yield an engine (``bot.database.make_engine``) on a throwaway database at head."""
    async with throwaway_database(kind) as url:
        engine = make_engine(url)
        try:
            await upgrade_database(engine)
            yield engine
        finally:
            await engine.dispose()


#: The tables every change of a ticket or an incident writes (their timeline rows).
HELD_TABLES = ("tickets", "ticket_events", "incidents", "incident_events")


@asynccontextmanager
async def held_writes(engine: AsyncEngine) -> AsyncIterator[None]:
    """While inside, changes to tickets and incidents cannot commit: they wait, as they
    would behind a busy writer, and go on when the block ends. Reads are not held.

    SQLite: another connection holds the database's one write lock (``BEGIN IMMEDIATE``;
    WAL readers go on). Postgres: the tables of :data:`HELD_TABLES` are locked ``IN
    EXCLUSIVE MODE`` (which blocks writes and ``SELECT … FOR UPDATE``, not plain reads)."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            await conn.execute(text(f"LOCK TABLE {', '.join(HELD_TABLES)} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await conn.rollback()
