"""The backlog and open volume of `/ticket stats` (#23) count a workspace's open tickets
from ``ix_tickets_status_team_id_created_at`` alone, and never enter SQLite by the
workspace's ``(team_id, number)`` key (every ticket it ever had: 250 ms at 1,000,000
tickets); on Postgres the index exists with its columns.

SQLite plans without statistics (a deployed database has none), read with EXPLAIN QUERY
PLAN from the statements ``compute_stats`` runs on an empty desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, inspect

from tests.dbutil import migrated_engine, test_database_kind
from tests.policies import example_policy
from bot.database import make_session_factory
from workflows.reports.metrics import compute_stats

NOW = datetime(2026, 11, 20, 15, 37, tzinfo=UTC)
INDEX = "ix_tickets_status_team_id_created_at"


async def test_open_tickets_are_counted_from_the_index_alone() -> None:
    kind = test_database_kind()
    async with migrated_engine(kind) as engine:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: {i["name"]: i["column_names"]
                                                     for i in inspect(c).get_indexes("tickets")})
        assert columns[INDEX] == ["status", "team_id", "created_at", "id"]
        if kind != "sqlite":
            return
        seen: list[tuple[str, object]] = []

        def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if "FROM tickets" in statement:
                seen.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", keep)
        try:
            async with make_session_factory(engine)() as db:
                await compute_stats(db=db, config=example_policy(), since=NOW - timedelta(days=365), until=NOW,
                                    team_id="T1")
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", keep)
        plans = {}
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            for statement, parameters in seen:
                cursor = await raw.driver_connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans[statement] = " / ".join(row[3] for row in await cursor.fetchall())
    for statement, plan in plans.items():
        assert "sqlite_autoindex_tickets" not in plan, (statement, plan)  # the workspace's (team_id, number) key
    by_state = [plan for statement, plan in plans.items()
                if statement.startswith("SELECT tickets.status, count(*)")]
    open_volume = [plan for statement, plan in plans.items() if "tickets.status IN" in statement
                   and "NOT IN" in statement]
    assert by_state and all(f"COVERING INDEX {INDEX}" in plan for plan in by_state), by_state
    assert open_volume and all(f"COVERING INDEX {INDEX}" in plan for plan in open_volume), open_volume
