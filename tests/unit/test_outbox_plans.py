"""The relay's look-up of the lanes it may send (``models.outbox.due_lanes``) finds each
lane's head once, whatever the number of rows waiting behind it: a correlated "is this
row its lane's head?" per pending row was quadratic in a backed-up lane (#23: 8,000 rows
behind one channel's pace, 5 s a pass on Postgres, with every request's delivery waiting
on it). Read from the plan on the database the suite runs on (no timing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import make_engine, make_session_factory, upgrade_database
from models.outbox import OutboxKind, due_lanes, enqueue

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await upgrade_database(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _owe(engine: AsyncEngine) -> None:
    async with make_session_factory(engine).begin() as db:
        for n in range(30):
            await enqueue(db, lane=f"C0LANE{n % 3}", kind=OutboxKind.POST, payload={"text": f"{n}"},
                          now=NOW - timedelta(minutes=1))


async def _due_lanes_statement(engine: AsyncEngine, among: list[str] | None) -> tuple[list[str], str, object]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with make_session_factory(engine)() as db:
            lanes = await due_lanes(db, NOW, among=among)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = seen
    return lanes, statement, parameters


async def _plan(engine: AsyncEngine, statement: str, parameters: object) -> str:
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[3] for row in rows)
        rows = await conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + statement, parameters)
        plan = "\n".join(row[0] for row in rows)
        await conn.rollback()
        return plan


@pytest.mark.parametrize("among", [None, ["C0LANE0", "C0LANE2"]])
async def test_each_lanes_head_is_found_once_not_per_waiting_row(engine, among):
    await _owe(engine)
    lanes, statement, parameters = await _due_lanes_statement(engine, among)
    assert lanes == (among or ["C0LANE0", "C0LANE1", "C0LANE2"])  # the heads, oldest first
    plan = await _plan(engine, statement, parameters)
    assert "CORRELATED" not in plan and "SubPlan" not in plan, plan
