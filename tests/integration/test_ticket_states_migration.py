"""Migration 0019 (#19) maps tickets of every old shape to the lifecycle's states and
back, on SQLite and on Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.database import current_revision, downgrade_database, head_revision, upgrade_database
from tests.dbutil import migrated_engine

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BEFORE = "0017"

# number -> (status, assignee_id, waiting_since): every shape a ticket could have before 0019
OLD_SHAPES = {
    1: ("open", None, None),              # nobody has it
    2: ("open", "U0AGENT", None),         # claimed
    3: ("open", "U0AGENT", T0),           # claimed, waiting on the customer
    4: ("open", None, T0),                # waiting, nobody has it
    5: ("resolved", "U0AGENT", None),     # resolved
    6: ("resolved", None, None),          # resolved, never claimed
}
MAPPED = {1: "new", 2: "in_progress", 3: "waiting", 4: "waiting", 5: "resolved", 6: "resolved"}


def _stamp(value: datetime, kind: str) -> object:
    # What UTCDateTime stores: naive UTC text on SQLite, an aware value on Postgres.
    return value.replace(tzinfo=None) if kind == "sqlite" else value


async def _insert_old_tickets(engine, kind: str) -> None:
    async with engine.begin() as conn:
        for number, (status, assignee, waiting) in OLD_SHAPES.items():
            await conn.execute(text(
                "INSERT INTO tickets (id, team_id, number, summary, category, priority, status, reporter_id, "
                "assignee_id, waiting_since, created_at, updated_at, private, paused_seconds, reopen_count, "
                "escalation_count) VALUES (:id, 'T1', :id, 'old', 'Login problems', 'P2', :status, 'U0REPORTER', "
                ":assignee, :waiting, :created, :created, false, 0, 0, 0)"),
                {"id": number, "status": status, "assignee": assignee,
                 "waiting": _stamp(waiting, kind) if waiting else None, "created": _stamp(T0, kind)})
        # #2 was answered by the agent (after a reply by its reporter): the last desk reply counts
        for at, actor in ((T0 + timedelta(minutes=5), "U0REPORTER"), (T0 + timedelta(minutes=20), "U0AGENT"),
                          (T0 + timedelta(minutes=30), "U0REPORTER")):
            await conn.execute(text("INSERT INTO ticket_events (ticket_id, kind, actor_id, at) "
                                    "VALUES (2, 'replied', :actor, :at)"), {"actor": actor, "at": _stamp(at, kind)})


async def _rows(engine, columns: str) -> dict[int, tuple]:
    async with engine.connect() as conn:
        result = await conn.execute(text(f"SELECT number, {columns} FROM tickets ORDER BY number"))
        return {row[0]: tuple(row[1:]) for row in result}


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@KINDS
async def test_old_tickets_get_their_state_and_go_back_down(kind):
    async with migrated_engine(kind) as engine:
        await downgrade_database(engine, BEFORE)
        assert await current_revision(engine) == BEFORE
        await _insert_old_tickets(engine, kind)

        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        rows = await _rows(engine, "status, assignee_id, waiting_since, desk_replied_at, triaged_at, closed_at")
        assert {n: row[0] for n, row in rows.items()} == MAPPED
        assert rows[3][1:3] == ("U0AGENT", rows[3][2]) and rows[3][2] is not None  # nothing else changed
        assert _aware(rows[2][3]) == T0 + timedelta(minutes=20)  # the desk's last reply, not the reporter's
        assert {n: _aware(row[3]) for n, row in rows.items() if n != 2} == {n: T0 for n in OLD_SHAPES if n != 2}
        assert all(row[4] is None and row[5] is None for row in rows.values())

        # States only 0019 knows go back to the nearest old one.
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE tickets SET status = 'triaged' WHERE number = 1"))
            await conn.execute(text("UPDATE tickets SET status = 'closed' WHERE number = 6"))
        await downgrade_database(engine, BEFORE)
        rows = await _rows(engine, "status, assignee_id, waiting_since")
        assert {n: row[0] for n, row in rows.items()} == {n: shape[0] for n, shape in OLD_SHAPES.items()}
        assert {n: (row[1], row[2] is not None) for n, row in rows.items()} == {
            n: (shape[1], shape[2] is not None) for n, shape in OLD_SHAPES.items()}

        await upgrade_database(engine)  # and up again: the same mapping
        assert {n: row[0] for n, row in (await _rows(engine, "status")).items()} == MAPPED
