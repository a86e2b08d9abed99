"""Timing helpers shared by the sections: signed commands answered at the response_url,
App Home opened -> views.publish, in-process calls, the SQL statements a call runs, and
their query plans."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.harness import Context
from benchmarks.load import Request, fire, slash_requests
from tests.fakes.slack_requests import event_callback_body

JSON = "application/json"


async def _arrival(ctx: Context, match: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> float | None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        arrived = [r for r in await ctx.fake.records() if match(r)]
        if arrived:
            return arrived[0]["t"]
        await asyncio.sleep(0.005)
    return None


async def signed_samples(ctx: Context, url: str, text_: str, channel: str, count: int, tag: str) -> list[float]:
    """Latency of slash commands answered through response_url, one at a time."""
    latencies = []
    for i in range(count):
        name = f"{tag}{i}"
        [request] = slash_requests(name, 1, text=text_, channel_id=channel, response_url=ctx.fake.response_url(name))
        await ctx.fake.records()
        result = await fire(url, [request], 1)
        arrived = await _arrival(ctx, lambda r, name=name: r["m"] == "response" and r["ch"] == name)
        if arrived is not None:
            latencies.append(arrived - result.sent_at[request.key])
    return latencies


def home_opened(user_id: str, key: str) -> Request:
    """An ``app_home_opened`` event (the Home tab) as Slack sends it."""
    event_ = {"type": "app_home_opened", "user": user_id, "channel": "D0HOME0001", "tab": "home",
              "event_ts": f"{time.time():.6f}"}
    return Request(event_callback_body(event_), key, JSON)


async def home_samples(ctx: Context, url: str, user_id: str, count: int) -> list[float]:
    """App Home opened (signed event) -> the tab's views.publish arriving at the fake, one at a time."""
    latencies = []
    for i in range(count):
        request = home_opened(user_id, f"home{i}")
        await ctx.fake.records()
        result = await fire(url, [request], 1)
        arrived = await _arrival(ctx, lambda r: r["m"] == "views.publish" and r.get("u") == user_id)
        if arrived is not None:
            latencies.append(arrived - result.sent_at[request.key])
    return latencies


async def timed(fn: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    await fn()  # warm: first compile of each statement
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def statements(engine: AsyncEngine, fn: Callable[[], Awaitable[Any]]) -> list[tuple[float, str, Any]]:
    """Run ``fn``; every SQL statement it executed with its duration, in order."""
    timings: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        timings.append((time.perf_counter() - started.pop(id(cursor), time.perf_counter()), statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        await fn()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)
    return timings


def _pg_literal(value: Any) -> str:
    import json
    from datetime import date, datetime

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, list | tuple):  # a Postgres array parameter (``= ANY($n)``)
        return "'{" + ",".join('"' + str(getattr(v, "value", v)).replace("\\", "\\\\").replace('"', '\\"') + '"'
                               for v in value).replace("'", "''") + "}'"
    elif isinstance(value, dict):
        value = json.dumps(value)
    elif hasattr(value, "value"):
        value = value.value
    return "'" + str(value).replace("'", "''") + "'"


async def explain(engine: AsyncEngine, statement: str, parameters: Any, *, generic: bool = False) -> str:
    """SQLite: ``EXPLAIN QUERY PLAN`` (as a tree); Postgres: ``EXPLAIN ANALYZE`` in a
    transaction that is rolled back (so an UPDATE or DELETE changes nothing). ``generic``
    (Postgres): the plan Postgres uses for the statement once it has run it a few times
    as a prepared statement (asyncpg prepares every statement), which cannot use what
    only the parameters' values tell (a partial index on ``status = 'pending'`` when the
    status is a parameter)."""
    if generic and engine.dialect.name == "postgresql" and parameters:
        async with engine.connect() as conn:  # the setting and the statement leave with it (a pooled connection)
            await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            await conn.exec_driver_sql(f"PREPARE bench_plan AS {statement}")
            try:
                values = ", ".join(_pg_literal(v) for v in parameters)
                rows = (await conn.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) EXECUTE bench_plan({values})")).fetchall()
            finally:
                await conn.rollback()
                await conn.exec_driver_sql("DEALLOCATE bench_plan")
            return "\n".join(row[0] for row in rows)
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).fetchall()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + detail)
            return "\n".join(lines)
        rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement,
                                           parameters)).fetchall()
        await conn.rollback()
        return "\n".join(row[0] for row in rows)


def scanned_tables(plan: str) -> list[str]:
    """Tables the plan reads whole (SQLite ``SCAN t`` without an index, Postgres ``Seq Scan on t``)."""
    out = []
    for line in plan.splitlines():
        words = line.strip().lstrip("->").strip()
        if "Seq Scan on " in words:
            out.append(words.split("Seq Scan on ", 1)[1].split()[0])
        elif words.startswith("SCAN ") and "INDEX" not in words and "CONSTANT ROW" not in words:
            out.append(words.split()[1])
    return out


def filtered_out(plan: str) -> int:
    """Rows a Postgres plan read and threw away (``Rows Removed by Filter``), in all."""
    total = 0
    for line in plan.splitlines():
        if "Rows Removed by Filter:" in line:
            total += int(line.split("Rows Removed by Filter:", 1)[1].split()[0])
    return total


def uses_index(plan: str) -> bool:
    """No table read whole in the plan."""
    return not scanned_tables(plan)


async def table_rows(engine: AsyncEngine, tables: list[str]) -> dict[str, int]:
    """Rows in each table (a whole read of a table of a few rows is the right plan). A name
    that is no table of the database (SQLite's ``SCAN anon_1`` of a materialized subquery,
    whose own reads are lines of the plan too) is left out."""
    out = {}
    async with engine.connect() as conn:
        known = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        for name in sorted(set(tables) & known):
            out[name] = int((await conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"')).scalar_one())
    return out


def clip(plan: str, width: int = 200) -> str:
    return "\n".join(line if len(line) <= width else line[:width - 3] + "..." for line in plan.splitlines())


def one_line(sql: str, limit: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."
