"""Bulk loading for the million-ticket sections: chunks of rows into several databases
at once, with the secondary indexes of the loaded tables dropped first and rebuilt at
the end (what one does for a bulk load: a B-tree built once from sorted keys instead of
ten million random inserts).

    await load([sqlite_url, postgres_url], seed.history_chunks(config, 1_000_000, now=now))

SQLite: the stdlib driver, ``executemany`` per chunk and table, ``synchronous=OFF`` on
the loading connection only. Postgres: asyncpg's ``COPY`` per chunk and table. The
indexes are re-created from the database's own DDL (``sqlite_master`` /
``pg_indexes``), so they are exactly the migrations' (partial ones included); indexes
backing a constraint (primary and unique keys) stay. Then the sequences and ticket
counters move on, and Postgres gets ``VACUUM ANALYZE`` (as autovacuum would).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.engine import make_url

from benchmarks.seed import (
    EVENT_COLUMNS,
    NOTIFICATION_COLUMNS,
    TICKET_COLUMNS,
    Rows,
    _pg_value,
    _sqlite_value,
)

TABLES = ("tickets", "ticket_events", "sla_notifications")
COUNTERS = ("INSERT INTO ticket_counters (team_id, last_number) SELECT team_id, max(number) FROM tickets "
            "GROUP BY team_id ON CONFLICT (team_id) DO UPDATE SET last_number = excluded.last_number")


def _tables(rows: Rows) -> list[tuple[str, tuple[str, ...], list]]:
    return [("tickets", TICKET_COLUMNS, rows.tickets), ("ticket_events", EVENT_COLUMNS, rows.events),
            ("sla_notifications", NOTIFICATION_COLUMNS, rows.notifications)]


@dataclass
class Loaded:
    """What a load took, per database (seconds)."""

    rows: int = 0
    insert: dict[str, float] = field(default_factory=dict)
    indexes: dict[str, float] = field(default_factory=dict)
    settle: dict[str, float] = field(default_factory=dict)


class _Sqlite:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, timeout=60)
        self.conn.execute("PRAGMA synchronous=OFF")
        names = ", ".join(f"'{t}'" for t in TABLES)
        self.ddl = [sql for (sql,) in self.conn.execute(
            f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({names})")]
        for (name,) in self.conn.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({names})"
        ).fetchall():
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.commit()

    async def write(self, rows: Rows) -> None:
        for name, columns, data in _tables(rows):
            sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            self.conn.executemany(sql, ([_sqlite_value(r.get(c)) for c in columns] for r in data))
        self.conn.commit()

    async def finish(self) -> tuple[float, float]:
        t0 = time.perf_counter()
        for sql in self.ddl:
            self.conn.execute(sql)
        self.conn.execute(COUNTERS)
        self.conn.commit()
        self.conn.close()
        return time.perf_counter() - t0, 0.0


class _Postgres:
    @classmethod
    async def open(cls, url: str) -> _Postgres:
        self = cls()
        self.conn = await asyncpg.connect(make_url(url).set(drivername="postgresql")
                                          .render_as_string(hide_password=False))
        rows = await self.conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY($1) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", list(TABLES))
        self.ddl = [r["indexdef"] for r in rows]
        for r in rows:
            await self.conn.execute(f'DROP INDEX "{r["indexname"]}"')
        return self

    async def write(self, rows: Rows) -> None:
        async with self.conn.transaction():
            for name, columns, data in _tables(rows):
                await self.conn.copy_records_to_table(
                    name, records=[tuple(_pg_value(r.get(c)) for c in columns) for r in data], columns=list(columns))

    async def finish(self) -> tuple[float, float]:
        t0 = time.perf_counter()
        await self.conn.execute("SET maintenance_work_mem = '256MB'")
        for sql in self.ddl:
            await self.conn.execute(sql)
        for name in TABLES:
            await self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)")
        await self.conn.execute(COUNTERS)
        indexes = time.perf_counter() - t0
        t0 = time.perf_counter()
        await self.conn.execute("VACUUM ANALYZE")  # what autovacuum does on its own after a load
        await self.conn.close()
        return indexes, time.perf_counter() - t0


async def load(urls: Iterable[str], chunks: Iterable[Rows]) -> Loaded:
    """Write every chunk into every database (each already migrated and empty)."""
    targets = {}
    for url in urls:
        parsed = make_url(url)
        kind = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgres"
        targets[kind] = _Sqlite(parsed.database) if kind == "sqlite" else await _Postgres.open(url)
    loaded = Loaded(insert={kind: 0.0 for kind in targets})
    for rows in chunks:
        loaded.rows += len(rows.tickets)
        for kind, target in targets.items():
            t0 = time.perf_counter()
            await target.write(rows)
            loaded.insert[kind] += time.perf_counter() - t0
    for kind, target in targets.items():
        loaded.indexes[kind], loaded.settle[kind] = await target.finish()
    return loaded
