"""Migration 0026 (#23): every built day of the stats rollups is built again on the way up
(the days before held no time in triage, and their running SLA clocks as pending tickets)
and on the way down (the days after keep those clocks in their rows); SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.database import downgrade_database, upgrade_database
from tests.dbutil import migrated_engine

KINDS = pytest.mark.parametrize("kind", ["sqlite", "postgres"])
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def _days(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM stats_rollup_days"))).scalar_one())


async def _built(engine, kind: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO stats_rollup_days (zone, day, as_of, generation, policy_key, stale) "
            "VALUES ('UTC', :day, :at, 0, 'upper:', false)"),
            {"day": AT.date(), "at": AT.replace(tzinfo=None) if kind == "sqlite" else AT})


@KINDS
async def test_built_days_are_built_again_both_ways(kind):
    async with migrated_engine(kind) as engine:
        await _built(engine, kind)
        await downgrade_database(engine, "0025")
        assert await _days(engine) == 0
        await _built(engine, kind)
        await upgrade_database(engine)
        assert await _days(engine) == 0
