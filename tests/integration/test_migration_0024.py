"""Migration 0024 (#19): a moved ticket's former cards, filled from the timeline's ``moved``
rows, and gone again on the way down; on SQLite and on Postgres."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from bot.database import current_revision, downgrade_database, head_revision, upgrade_database
from tests.dbutil import migrated_engine

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BEFORE = "0023"


def _stamp(value: datetime, kind: str) -> object:
    # What UTCDateTime stores: naive UTC text on SQLite, an aware value on Postgres.
    return value.replace(tzinfo=None) if kind == "sqlite" else value


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


# (ticket id, minutes after T0, detail of its ``moved`` row)
MOVES = [
    (1, 10, {"from": "tier1", "to": "tier2", "from_channel": "C0TIER1", "from_ts": "100.1", "to_channel": "C0TIER2"}),
    (1, 20, {"from": "tier2", "to": "tier3", "from_channel": "C0TIER2", "from_ts": "200.1", "to_channel": "C0TIER3"}),
    (2, 5, {"from": "tier1", "to": None, "from_channel": "C0TIER1", "from_ts": None, "to_channel": "C0TRIAGE"}),
    (3, 7, {"from": None, "to": "tier1", "from_channel": "C0TRIAGE", "from_ts": "300.1", "to_channel": "C0TIER1"}),
]


async def _insert(engine, kind: str) -> None:
    async with engine.begin() as conn:
        for number in (1, 2, 3):
            await conn.execute(text(
                "INSERT INTO tickets (id, team_id, number, summary, category, priority, status, reporter_id, "
                "created_at, updated_at, private, paused_seconds, reopen_count, escalation_count) VALUES "
                "(:id, 'T1', :id, 'old', 'Login problems', 'P2', 'new', 'U0REPORTER', :at, :at, false, 0, 0, 0)"),
                {"id": number, "at": _stamp(T0, kind)})
        for ticket_id, minutes, detail in MOVES:
            await conn.execute(text("INSERT INTO ticket_events (ticket_id, kind, actor_id, at, detail) "
                                    "VALUES (:id, 'moved', 'U0AGENT', :at, :detail)"),
                               {"id": ticket_id, "at": _stamp(T0 + timedelta(minutes=minutes), kind),
                                "detail": json.dumps(detail)})
        await conn.execute(text("INSERT INTO ticket_events (ticket_id, kind, actor_id, at, detail) "
                                "VALUES (3, 'replied', 'U0AGENT', :at, :detail)"),
                           {"at": _stamp(T0, kind), "detail": json.dumps({"ts": "999.1", "from_ts": "999.1"})})


@KINDS
async def test_former_cards_come_from_the_moves_and_go_back_down(kind):
    async with migrated_engine(kind) as engine:
        await downgrade_database(engine, BEFORE)
        assert await current_revision(engine) == BEFORE
        await _insert(engine, kind)

        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT channel_id, message_ts, ticket_id, moved_at, pointed_at FROM ticket_former_cards "
                "ORDER BY message_ts"))).all()
        assert [(c, ts, t, _aware(at), p) for c, ts, t, at, p in rows] == [
            ("C0TIER1", "100.1", 1, T0 + timedelta(minutes=10), None),
            ("C0TIER2", "200.1", 1, T0 + timedelta(minutes=20), None),
            ("C0TRIAGE", "300.1", 3, T0 + timedelta(minutes=7), None),
        ]  # a move made before its card was posted (#2) left no thread behind

        await downgrade_database(engine, BEFORE)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            assert "ticket_former_cards" not in tables
            assert (await conn.execute(text("SELECT count(*) FROM ticket_events WHERE kind = 'moved'"))).scalar() == 4
        await upgrade_database(engine)  # and up again: the same rows
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM ticket_former_cards"))).scalar() == 3
