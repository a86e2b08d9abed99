"""Migrations and database plumbing, on SQLite and on Postgres in every run.

Each test is parametrised over both kinds: the Postgres server is always there (the CI
starts it), so an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.schema import CreateIndex
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import (
    DEFAULT_DATABASE_URL,
    current_revision,
    database_url,
    downgrade_database,
    head_revision,
    make_engine,
    make_session_factory,
    ping,
    upgrade_database,
)
from models import (
    Base,
    SlackDelivery,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
    UTCDateTime,
    next_ticket_number,
    record_delivery,
)
from models.base import include_object
from models.kb_search import include_name, is_search_index_table
from tests.dbutil import migrated_engine, throwaway_database

REPO_ROOT = Path(__file__).resolve().parents[2]
KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
EXPECTED_TABLES = {
    "tickets",
    "ticket_counters",
    "ticket_events",
    "slack_outbox",
    "slack_channel_pace",
    "slack_outbox_pauses",
    "sla_notifications",
    "incidents",
    "incident_events",
    "pages",
    "oncall_overrides",  # 0017 (#21)
    "oncall_events",
    "oncall_snapshots",
    "oncall_handovers",
    "incident_actions",
    "statuspage_updates",  # 0021 (#21)
    "auto_escalations",  # 0018 (#18)
    "ticket_watchers",  # 0019 (#19)
    "agents_away",
    "assignment_cursors",
    "slack_deliveries",
    "report_runs",
    "kb_articles",
    "kb_searches",
    "kb_deflections",
    "user_action_locks",
    "stats_rollup_state",  # 0023 (#23)
    "stats_rollup_days",
    "stats_rollup_counts",
    "stats_rollup_durations",
    "stats_rollup_pending",
    "stats_rollup_flips",  # 0026 (#23)
    "ticket_former_cards",  # 0024 (#19)
}
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def _tables(engine: AsyncEngine) -> set[str]:
    """The tables, without the knowledge base's search index (dialect-specific, no model)."""
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    return {name for name in names if not is_search_index_table(name)}


def _ticket(number: int, team_id: str = "T1", **overrides: object) -> Ticket:
    values: dict[str, object] = {
        "team_id": team_id,
        "number": number,
        "summary": f"ticket {number}",
        "category": "Login problems",
        "priority": "P2",
        "reporter_id": "U_REPORTER",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return Ticket(**values)


# --------------------------------------------------------------------------- migrations


@KINDS
async def test_upgrade_from_empty_creates_every_table(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the migrations are found from any working directory
    async with throwaway_database(kind) as url:
        engine = make_engine(url)
        try:
            assert await current_revision(engine) is None
            await upgrade_database(engine)
            tables = await _tables(engine)
            assert tables == EXPECTED_TABLES | {"alembic_version"}
            assert set(Base.metadata.tables) == EXPECTED_TABLES
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()


@KINDS
async def test_migrated_schema_matches_the_models(kind):
    async with migrated_engine(kind) as engine:

        def diff(conn):
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name,
                                                             "include_object": include_object})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []


async def _index_definition(conn, name: str) -> str:
    if conn.dialect.name == "sqlite":
        query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    else:
        query = text("SELECT indexdef FROM pg_indexes WHERE indexname = :name")
    return " ".join((await conn.execute(query, {"name": name})).scalar_one().split())


@KINDS
async def test_indexes_on_expressions_are_the_models(kind):
    """Alembic cannot compare indexes on expressions (``include_object`` leaves them out of
    the comparison above): each one the migrations made is what the models' DDL makes,
    as the database reads it back (SQLite: the text; Postgres: its own rendering)."""
    indexes = [index for table in Base.metadata.tables.values() for index in table.indexes
               if not include_object(index, index.name, "index", False, None)]
    assert {"ix_tickets_open_tier_deadline", "ix_tickets_open_deadline"} <= {index.name for index in indexes}
    async with migrated_engine(kind) as engine, engine.connect() as conn:
        for index in indexes:
            twin = f"{index.name}_twin"
            await conn.exec_driver_sql(str(CreateIndex(index).compile(dialect=conn.dialect))
                                       .replace(index.name, twin, 1))
            migrated = await _index_definition(conn, index.name)
            assert migrated.replace(index.name, twin, 1) == await _index_definition(conn, twin)
            await conn.exec_driver_sql(f"DROP INDEX {twin}")


@KINDS
async def test_due_time_indexes_exist(kind):
    async with migrated_engine(kind) as engine:

        def indexes(conn):
            found = {}
            for table in ("tickets", "sla_notifications", "incidents", "pages", "ticket_events"):
                for index in inspect(conn).get_indexes(table):
                    found[index["name"]] = index["column_names"]
            return found

        async with engine.connect() as conn:
            found = await conn.run_sync(indexes)
    assert found["ix_tickets_first_response_due_at"] == ["first_response_due_at"]
    assert found["ix_tickets_resolution_due_at"] == ["resolution_due_at"]
    assert found["ix_tickets_channel_id_message_ts"] == ["channel_id", "message_ts"]
    assert found["ix_sla_notifications_due_at"] == ["due_at"]
    assert found["ix_incidents_next_update_due_at"] == ["next_update_due_at"]
    assert found["ix_ticket_events_ticket_id_at"] == ["ticket_id", "at"]
    assert found["ix_tickets_reporter_id_created_at"] == ["reporter_id", "created_at"]
    assert found["ix_incidents_declared_by_declared_at"] == ["declared_by", "declared_at"]


@KINDS
async def test_upgrading_twice_is_a_noop(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions() as db:
            db.add(_ticket(1))
            await db.commit()
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        async with sessions() as db:
            assert (await db.execute(select(func.count()).select_from(Ticket))).scalar_one() == 1


UPGRADE_IN_A_PROCESS = """
import asyncio, sys
from bot.database import make_engine, upgrade_database

async def main(url):
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()

asyncio.run(main(sys.argv[1]))
"""


async def _upgrade_in_a_process(url: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        UPGRADE_IN_A_PROCESS,
        url,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, stderr.decode()


@KINDS
async def test_two_replicas_upgrading_at_once_both_succeed(kind):
    async with throwaway_database(kind) as url:
        results = await asyncio.gather(*(_upgrade_in_a_process(url) for _ in range(3)))
        for returncode, stderr in results:
            assert returncode == 0, stderr
        engine = make_engine(url)
        try:
            assert await current_revision(engine) == head_revision()
            assert await _tables(engine) == EXPECTED_TABLES | {"alembic_version"}
        finally:
            await engine.dispose()


@KINDS
async def test_concurrent_upgrades_in_one_process_both_succeed(kind):
    async with throwaway_database(kind) as url:
        engines = [make_engine(url), make_engine(url)]
        try:
            await asyncio.wait_for(asyncio.gather(*(upgrade_database(e) for e in engines)), 60)
            for engine in engines:
                assert await current_revision(engine) == head_revision()
            assert await _tables(engines[0]) == EXPECTED_TABLES | {"alembic_version"}
        finally:
            for engine in engines:
                await engine.dispose()


@KINDS
async def test_downgrade_to_base_and_back(kind):
    async with migrated_engine(kind) as engine:
        await downgrade_database(engine, "base")
        assert await _tables(engine) <= {"alembic_version"}
        assert await current_revision(engine) is None
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        assert await _tables(engine) == EXPECTED_TABLES | {"alembic_version"}


@KINDS
async def test_alembic_command_line_upgrades_from_a_checkout(kind):
    async with throwaway_database(kind) as url:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "alembic",
            "upgrade",
            "head",
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, stderr.decode()
        engine = make_engine(url)
        try:
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()


# --------------------------------------------------------------------------- types and helpers


@KINDS
async def test_utc_datetime_round_trips_aware_values(kind):
    paris = timezone(timedelta(hours=1))
    created = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=paris)  # 09:00:00.123456Z
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions() as db:
            db.add(_ticket(1, created_at=created, updated_at=created))
            # 09:30Z: later in UTC, although "earlier" in its own (-05:00) wall clock.
            later = datetime(2026, 11, 25, 4, 30, tzinfo=timezone(timedelta(hours=-5)))
            db.add(_ticket(2, created_at=later, updated_at=later))
            await db.commit()
        async with sessions() as db:
            first = (await db.execute(select(Ticket).where(Ticket.number == 1))).scalar_one()
            assert first.created_at == created
            assert first.created_at.tzinfo == UTC
            assert first.created_at.hour == 9 and first.created_at.microsecond == 123456
            ordered = (await db.execute(select(Ticket.number).order_by(Ticket.created_at))).scalars()
            assert list(ordered) == [1, 2]
            cutoff = datetime(2026, 11, 25, 9, 15, tzinfo=UTC)
            due = (await db.execute(select(Ticket.number).where(Ticket.created_at <= cutoff))).scalars()
            assert list(due) == [1]
            latest = (await db.execute(select(func.max(Ticket.created_at)))).scalar_one()
            assert latest == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_utc_datetime_refuses_naive_values():
    column_type = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(datetime(2026, 11, 25, 9, 0), sqlite_dialect.dialect())
    assert column_type.process_bind_param(None, sqlite_dialect.dialect()) is None
    assert column_type.process_result_value(datetime(2026, 11, 25, 9, 0), sqlite_dialect.dialect()) == (
        datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    )


@KINDS
async def test_naive_datetime_is_refused_on_flush(kind):
    async with migrated_engine(kind) as engine, make_session_factory(engine)() as db:
        db.add(_ticket(1, created_at=datetime(2026, 11, 25, 9, 0)))
        with pytest.raises(StatementError) as caught:
            await db.flush()
        assert isinstance(caught.value.orig, ValueError)


@KINDS
async def test_record_delivery_is_true_once(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions() as db:
            assert await record_delivery(db, "Ev001", T0) is True
            assert await record_delivery(db, "Ev001", T0) is False
            assert await record_delivery(db, "Ev002", T0) is True
            await db.commit()
        async with sessions() as db:
            assert await record_delivery(db, "Ev001", T0 + timedelta(seconds=5)) is False
            rows = (await db.execute(select(SlackDelivery).order_by(SlackDelivery.event_id))).scalars().all()
            assert [(r.event_id, r.received_at) for r in rows] == [("Ev001", T0), ("Ev002", T0)]


@KINDS
async def test_concurrent_record_delivery_has_one_winner(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)

        async def deliver() -> bool:
            async with sessions() as db:
                fresh = await record_delivery(db, "EvRetry", T0)
                await db.commit()
                return fresh

        results = await asyncio.gather(*(deliver() for _ in range(5)))
        assert sorted(results) == [False, False, False, False, True]


@KINDS
async def test_ticket_number_is_unique_per_team(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions() as db:
            db.add_all([_ticket(1, "T1"), _ticket(1, "T2")])  # same number, other workspace
            await db.commit()
        async with sessions() as db:
            db.add(_ticket(1, "T1"))
            with pytest.raises(IntegrityError):
                await db.commit()


@KINDS
async def test_next_ticket_number_is_gap_free_under_concurrency(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)

        async def create(fail: bool = False) -> int:
            async with sessions() as db:
                number = await next_ticket_number(db, "T1")
                db.add(_ticket(number))
                await db.flush()
                if fail:
                    await db.rollback()  # a failed creation gives its number back
                    return 0
                await db.commit()
                return number

        await create(fail=True)
        numbers = await asyncio.gather(*(create() for _ in range(8)))
        assert sorted(numbers) == list(range(1, 9))
        async with sessions() as db:
            assert await next_ticket_number(db, "T2") == 1  # counters are per workspace


@KINDS
async def test_timeline_rows_need_their_ticket(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions() as db:
            ticket = _ticket(1)
            db.add(ticket)
            await db.flush()
            db.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CREATED, at=T0, detail={"a": 1}))
            await db.commit()
            event = (await db.execute(select(TicketEvent))).scalar_one()
            assert event.kind is TicketEventKind.CREATED and event.detail == {"a": 1}
            assert ticket.status is TicketStatus.NEW and ticket.reopen_count == 0
        async with sessions() as db:
            db.add(TicketEvent(ticket_id=9999, kind=TicketEventKind.REPLIED, at=T0))
            with pytest.raises(IntegrityError):
                await db.commit()


# --------------------------------------------------------------------------- engine and health


async def test_sqlite_file_database_uses_wal_and_foreign_keys():
    async with migrated_engine("sqlite") as engine, engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 5000


@KINDS
async def test_ping(kind):
    async with migrated_engine(kind) as engine:
        assert await ping(engine) is True
    unreachable = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nothing")
    try:
        assert await ping(unreachable, timeout=2.0) is False
    finally:
        await unreachable.dispose()


def test_database_url_comes_from_the_environment():
    assert database_url({}) == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///./supportbot.db"
    assert database_url({"DATABASE_URL": ""}) == DEFAULT_DATABASE_URL
    pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    assert database_url({"DATABASE_URL": pg}) == pg


async def test_throwaway_postgres_database_is_dropped():
    async with throwaway_database("postgres") as url:
        name = url.rsplit("/", 1)[1]
        assert name.startswith("sb_test_")
    async with throwaway_database("postgres") as other:
        engine = make_engine(other)
        try:
            async with engine.connect() as conn:
                exists = await conn.execute(
                    text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}
                )
                assert exists.scalar_one() == 0
        finally:
            await engine.dispose()
