"""The open lists read their partial index of the open tickets, in order (issue 23: a
tier's queue among a million mostly resolved tickets), on the database the suite runs on.

SQLite: ``EXPLAIN QUERY PLAN`` (its planner keeps no statistics here, so the plan is the
one a large database gets). Postgres: the generic plan of the prepared statement (what
asyncpg's statements get after a few runs, where a bound status could not match a
partial index), with sequential scans, bitmaps and sorts priced out, so that the plan
shows whether the index can serve the query, whatever these few rows would favour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import make_engine, make_session_factory, upgrade_database
from models.ticket_lists import claimed_open_tickets, open_queue, reported_open_tickets
from models.tickets import Ticket, TicketStatus

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _ticket(number: int, **overrides: Any) -> Ticket:
    values: dict[str, Any] = dict(
        team_id="T1", number=number, summary=f"Ticket {number}", category="Login problems", priority="P2",
        tier="tier1", status=TicketStatus.NEW, reporter_id="U0REPORTER", assignee_id="U0AGENT", created_at=NOW,
        updated_at=NOW, first_response_due_at=NOW + timedelta(minutes=number), resolution_due_at=NOW + timedelta(hours=8),
    )
    values.update(overrides)
    return Ticket(**values)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await upgrade_database(engine)
    async with make_session_factory(engine).begin() as db:
        db.add_all([_ticket(n) for n in range(1, 4)] + [_ticket(n, tier=None) for n in range(4, 7)]
                   + [_ticket(n, status=TicketStatus.RESOLVED, resolved_at=NOW) for n in range(7, 10)])
    try:
        yield engine
    finally:
        await engine.dispose()


async def _statements(engine: AsyncEngine, call: Callable[[Any], Awaitable[Any]]) -> list[tuple[str, Any]]:
    """The SELECTs ``call(db)`` ran, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with make_session_factory(engine)() as db:
            await call(db)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return seen


def _literal(value: Any) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


OPEN_INDEXES = ("ix_tickets_open_tier_deadline", "ix_tickets_open_deadline", "ix_tickets_open_assignee_deadline",
                "ix_tickets_open_reporter_deadline")


async def _plan(engine: AsyncEngine, statement: str, parameters: Any, only: str | None = None) -> str:
    """The plan of ``statement``; ``only`` (Postgres): with the other indexes of open
    tickets dropped for it (rolled back), so that the plan says whether that one can
    serve the statement, not which of two that can these few rows favour."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[3] for row in rows)
        for other in OPEN_INDEXES if only in OPEN_INDEXES else ():
            if other != only:
                await conn.exec_driver_sql(f"DROP INDEX {other}")
        for setting in ("plan_cache_mode = force_generic_plan", "enable_seqscan = off", "enable_bitmapscan = off",
                        "enable_sort = off", "enable_incremental_sort = off"):
            await conn.exec_driver_sql(f"SET LOCAL {setting}")
        await conn.exec_driver_sql(f"PREPARE list_plan AS {statement}")
        try:
            values = ", ".join(_literal(v) for v in parameters)
            rows = await conn.exec_driver_sql(f"EXPLAIN (COSTS OFF) EXECUTE list_plan({values})")
            return "\n".join(row[0] for row in rows)
        finally:
            await conn.rollback()
            await conn.exec_driver_sql("DEALLOCATE list_plan")


LISTS: dict[str, tuple[Callable[[Any], Awaitable[Any]], str | dict[str, str]]] = {  # (the call, its page's index)
    "a tier's queue": (lambda db: open_queue(db, "T1", tier_ids=["tier1"], limit=2), "ix_tickets_open_tier_deadline"),
    "a tier's second page": (lambda db: open_queue(db, "T1", tier_ids=["tier1"], limit=2, offset=2),
                             "ix_tickets_open_tier_deadline"),
    # Triage, ``tier IS NULL``: SQLite reads the tier index in order; Postgres cannot take
    # IS NULL as a fixed value for the order, and reads every open ticket in order instead
    # (or the tier index and a sort, when triage is rare: its planner's choice by cost).
    "triage": (lambda db: open_queue(db, "T1", tier_ids=[None], limit=2), {
        "sqlite": "ix_tickets_open_tier_deadline", "postgresql": "ix_tickets_open_deadline"}),
    "every open ticket": (lambda db: open_queue(db, "T1", limit=2), "ix_tickets_open_deadline"),
    "claimed": (lambda db: claimed_open_tickets(db, "T1", "U0AGENT", limit=2), "ix_tickets_open_assignee_deadline"),
    "reported": (lambda db: reported_open_tickets(db, "T1", "U0REPORTER", limit=2),
                 "ix_tickets_open_reporter_deadline"),
}


@pytest.mark.parametrize("name", list(LISTS))
async def test_an_open_list_reads_its_partial_index_in_order(engine, name):
    call, index = LISTS[name]
    index = index if isinstance(index, str) else index[engine.dialect.name]
    statements = await _statements(engine, call)
    assert len(statements) == 2, statements  # the page, then (the page is full) the count
    (page_sql, page_parameters), *counts = statements
    page = await _plan(engine, page_sql, page_parameters, only=index)
    count = [await _plan(engine, sql, parameters) for sql, parameters in counts]
    assert f"INDEX {index}" in page or f"using {index}" in page, page
    assert "TEMP B-TREE" not in page and "Sort" not in page, page  # the index gives the order
    for plan in count:  # the count of the list from an index that finds the open tickets alone
        assert "ix_tickets_open_" in plan or "ix_tickets_status_team_id_created_at (status=" in plan, plan
