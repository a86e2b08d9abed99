"""Migration 0020 (#20, tickets from messages and customer plans), up and down, on
SQLite and Postgres: the new columns come and go with existing tickets intact, and one
message opens at most one ticket (the unique constraint on the source message)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.database import current_revision, downgrade_database, head_revision, make_session_factory, upgrade_database
from models import Ticket
from tests.dbutil import migrated_engine

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
T0 = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
NEW_COLUMNS = {"source_channel_id", "source_ts", "customer_thread", "plan"}


def _ticket(number: int, **values: object) -> Ticket:
    return Ticket(team_id="T1", number=number, summary=f"ticket {number}", category="Bug report", priority="P3",
                  reporter_id="U0REPORTER", created_at=T0, updated_at=T0, **values)


async def _columns(engine) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("tickets")})


@KINDS
async def test_0020_down_and_up_keeps_tickets(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions.begin() as db:
            db.add(_ticket(1, source_channel_id="C0ACME", source_ts="1.000100", customer_thread=True, plan="gold"))
        await downgrade_database(engine, "0017")
        assert await current_revision(engine) == "0017"
        assert not NEW_COLUMNS & await _columns(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM tickets"))).scalar() == 1
        await upgrade_database(engine)
        assert await current_revision(engine) == head_revision() and NEW_COLUMNS <= await _columns(engine)
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT customer_thread, plan, source_ts FROM tickets"))).one()
        assert not row[0] and row[1] is None and row[2] is None  # what 0020 added was dropped with it


@KINDS
async def test_one_message_opens_at_most_one_ticket(kind):
    async with migrated_engine(kind) as engine:
        sessions = make_session_factory(engine)
        async with sessions.begin() as db:
            db.add_all([_ticket(1, source_channel_id="C0ACME", source_ts="1.000100"),
                        _ticket(2, source_channel_id="C0ACME", source_ts="1.000200"),
                        _ticket(3), _ticket(4)])  # no source message: never a conflict
        async with sessions() as db:
            db.add(_ticket(5, source_channel_id="C0ACME", source_ts="1.000100"))
            with pytest.raises(IntegrityError):
                await db.commit()
