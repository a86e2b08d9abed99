"""3. Scale: 100,000 tickets (about 1M timeline rows) in SQLite and in Postgres.

Seeded in bulk (``benchmarks.seed.history``: a year of tickets, most resolved, the open
ones with live SLA plans). Then the real `supportbot serve` on that database: time
from spawn to a healthy ``/healthz``, RSS, and `/ticket queue` and `/ticket stats 30d`
as signed slash commands (sent -> the ephemeral answer arriving at the response_url on
the fake Slack). With the bot stopped, the same two answers through the workflow
functions in this process (database time without HTTP), the slowest SQL statements of
`/ticket stats`, and the EXPLAIN plans of the due-notification and queue queries.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks import seed
from benchmarks.fake_slack_server import BOT_TOKEN
from benchmarks.harness import (
    REPO_ROOT,
    Context,
    migrate,
    ms,
    percentile,
    rss_mb,
    start_bot,
    throwaway_database,
    wait_healthy,
)
from benchmarks.load import fire, slash_requests
from benchmarks.timers import engine_storm
from bot.clock import system_clock
from workflows.policy.loader import load_config
from bot.database import make_engine, make_session_factory
from models.sla import SlaNotificationKind as Kind
from models.sla_queries import next_due_at, next_due_candidate
from models.ticket_lists import open_queue
from models.tickets import OPEN_STATUSES
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.reports.stats_command import answer_stats_command
from workflows.tickets.lookup import list_queue

TIER_CHANNEL = "C0TIER1FL"  # `/ticket queue` typed here lists tier1 (Frontline)


async def _signed_samples(ctx: Context, url: str, text_: str, channel: str, count: int, tag: str) -> list[float]:
    """Latency of slash commands answered through response_url, one at a time."""
    latencies = []
    for i in range(count):
        name = f"{tag}{i}"
        [request] = slash_requests(name, 1, text=text_, channel_id=channel, response_url=ctx.fake.response_url(name))
        await ctx.fake.records()
        result = await fire(url, [request], 1)
        sent = result.sent_at[request.key]
        deadline = time.time() + 30
        while time.time() < deadline:
            arrived = [r for r in await ctx.fake.records() if r["m"] == "response" and r["ch"] == name]
            if arrived:
                latencies.append(arrived[0]["t"] - sent)
                break
            await asyncio.sleep(0.005)
    return latencies


async def _timed(fn: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    await fn()  # warm: first compile of each statement
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def _statements(engine: AsyncEngine, fn: Callable[[], Awaitable[Any]]) -> list[tuple[float, str, Any]]:
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


async def _explain(engine: AsyncEngine, statement: str, parameters: Any) -> str:
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
        return "\n".join(row[0] for row in rows)


def _clip(plan: str, width: int = 200) -> str:
    return "\n".join(line if len(line) <= width else line[:width - 3] + "..." for line in plan.splitlines())


def _one_line(sql: str, limit: int = 160) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


def _db_size(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"{Path(parsed.database).stat().st_size / 2**20:.0f} MiB"
    return ""


async def _settle_postgres(url: str) -> None:
    """What autovacuum does to freshly loaded tables on a default server (this machine's
    test server runs with it off): VACUUM ANALYZE, so that the queries meet a year of
    tickets as a deployed database keeps them, not the first reads after a bulk load
    (which set every row's hint bits, dirtying the pages: 120-180 ms and 660 ms spikes
    for `/ticket stats 30d`, against 120 ms once settled)."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def _pg_size(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        size = (await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one()
    return f"{size / 2**20:.0f} MiB"


async def _through_serve(ctx: Context, url: str, kind: str, samples: int) -> dict[str, Any]:
    """`supportbot serve` on the loaded database: startup, RSS, signed queue/stats commands."""
    await ctx.fake.reset()
    bot = await start_bot(f"scale-{kind}", database_url=url, fake_api_url=ctx.fake.api_url, workdir=ctx.workdir)
    r: dict[str, Any] = {}
    try:
        r["healthy"] = await wait_healthy(bot)
        r["rss_start"] = rss_mb(bot.pid)[0]
        r["queue_tier"] = await _signed_samples(ctx, bot.url, "queue", TIER_CHANNEL, samples, "qt")
        r["queue_all"] = await _signed_samples(ctx, bot.url, "queue", "C0GENERAL", samples, "qa")
        r["stats"] = await _signed_samples(ctx, bot.url, "stats 30d", "C0GENERAL", samples, "st")
        r["rss_end"], r["rss_peak"] = rss_mb(bot.pid)
    finally:
        await bot.stop()
    return r


async def _in_process(ctx: Context, url: str, kind: str, samples: int) -> dict[str, Any]:
    """The workflow functions and queries called here: timings, slow statements, plans."""
    config = load_config(REPO_ROOT / "app.yaml")
    engine = make_engine(url)
    deps = Deps(sessions=make_session_factory(engine), config=config, clock=system_clock,
                slack=AsyncWebClient(token=BOT_TOKEN, base_url=ctx.fake.api_url))

    def in_session(fn: Callable[[Any], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        async def call() -> None:
            async with deps.sessions() as db:
                await fn(db)
        return call

    queries = {
        "due notification (models.sla_queries.next_due_candidate)": in_session(
            lambda db: next_due_candidate(db, system_clock())),
        "next wake-up (models.sla_queries.next_due_at)": in_session(next_due_at),
        "queue of tier1, first 30 (models.ticket_lists.open_queue)": in_session(
            lambda db: open_queue(db, seed.TEAM_ID, tier_ids=["tier1"], limit=30)),
    }
    stats = lambda: answer_stats_command(sessions=deps.sessions, config=config, clock=system_clock,  # noqa: E731
                                         team_id=seed.TEAM_ID, text="30d")
    viewer = partial(roles_of, deps=deps, user_id="U0BENCH")
    r: dict[str, Any] = {}
    try:
        r["size"] = _db_size(url) if kind == "sqlite" else await _pg_size(engine)
        r["fn_queue_tier"] = await _timed(lambda: list_queue(
            sessions=deps.sessions, config=config, now=system_clock(), team_id=seed.TEAM_ID,
            channel_id=TIER_CHANNEL, argument="", viewer=viewer), samples)
        r["fn_queue_all"] = await _timed(lambda: list_queue(
            sessions=deps.sessions, config=config, now=system_clock(), team_id=seed.TEAM_ID,
            channel_id="C0GENERAL", argument="", viewer=viewer), samples)
        r["fn_stats"] = await _timed(stats, samples)
        r["stats_sql"] = await _statements(engine, stats)
        for key, text in (("fn_stats_tier", "30d tier2"), ("fn_stats_year", "365d")):
            r[key] = await _timed(lambda text=text: answer_stats_command(
                sessions=deps.sessions, config=config, clock=system_clock, team_id=seed.TEAM_ID, text=text), samples)
        due, wake, _queue = queries.values()
        r["fn_due"] = await _timed(due, samples)
        r["fn_wake"] = await _timed(wake, samples)
        plans = {}
        for title, call in queries.items():
            for _elapsed, sql, params in await _statements(engine, call):
                plans[f"{title}{' — count' if 'count(' in sql.lower() else ''}"] = (
                    _one_line(sql, 400), _clip(await _explain(engine, sql, params)))
        r["plans"] = plans
    finally:
        await engine.dispose()
    return r


async def run(ctx: Context) -> None:
    count = ctx.size(100_000, 20_000)
    samples = ctx.size(10, 5)
    storm = ctx.size(300, 100)
    config = load_config(REPO_ROOT / "app.yaml")
    started = time.perf_counter()
    rows = seed.history(config, count, now=datetime.now(UTC))
    generated = time.perf_counter() - started
    # The million rows live in this process, which also times the in-process calls: a
    # full garbage collection walking them stalled it for 500 ms and more mid-sample.
    gc.collect()
    gc.freeze()
    open_tickets = [t for t in rows.tickets if t["status"] in OPEN_STATUSES][:storm]
    results: dict[str, dict[str, Any]] = {}
    for kind in ctx.databases:
        async with throwaway_database(kind, ctx.pg_server) as url:
            await migrate(url)
            t0 = time.perf_counter()
            await seed.write(url, rows)
            r: dict[str, Any] = {"seed": time.perf_counter() - t0}
            if kind == "postgres":
                await _settle_postgres(url)
            r.update(await _through_serve(ctx, url, kind, samples))
            r.update(await _in_process(ctx, url, kind, samples))
            await ctx.fake.reset()
            await ctx.fake.seed_cards(seed.cards_of(open_tickets))
            r["storm"] = await engine_storm(ctx, url, config, open_tickets,
                                            {t["message_ts"]: t["id"] for t in open_tickets},
                                            kinds=(Kind.RESOLUTION_WARNING,))
            results[kind] = r
    gc.unfreeze()
    _report(ctx, results, rows, generated, samples)


def _report(ctx: Context, results: dict[str, dict[str, Any]], rows: seed.Rows, generated: float,
            samples: int) -> None:
    report = ctx.report
    open_count = sum(1 for t in rows.tickets if t["status"] in OPEN_STATUSES)
    report.heading(f"3. Scale: {len(rows.tickets):,} tickets ({open_count:,} open), {len(rows.events):,} "
                   f"timeline rows, {len(rows.notifications):,} SLA notification rows")
    table = []
    for kind, r in results.items():
        table.append([kind, r["size"], f"{r['seed']:.1f} s", f"{r['healthy']:.2f} s",
                      f"{r['rss_start']:.0f} / {r['rss_end']:.0f} / {r['rss_peak']:.0f}"])
    report.table(["database", "size", "bulk load", "serve: spawn -> healthy", "RSS MiB start / after / peak"],
                 table)
    report.text(f"Rows generated in {generated:.1f} s (real due times and SLA plans). Postgres: VACUUM "
                "ANALYZE after the load, as autovacuum would on a default server (this machine's runs with it off); "
                "SQLite: no ANALYZE, as a deployed database has none.")
    report.heading(f"3b. `/ticket queue` and `/ticket stats 30d` at this size ({samples} each, one at a time; ms)")
    table = []
    for kind, r in results.items():
        for label, signed, direct in (("/ticket queue (tier1 channel)", "queue_tier", "fn_queue_tier"),
                                      ("/ticket queue (all open)", "queue_all", "fn_queue_all"),
                                      ("/ticket stats 30d", "stats", "fn_stats")):
            table.append([kind, label, f"{len(r[signed])}/{samples}", ms(percentile(r[signed], 50)),
                          ms(max(r[signed], default=float("nan"))), ms(percentile(r[direct], 50)),
                          ms(max(r[direct], default=float("nan")))])
        for label, direct in (("/ticket stats 30d tier2 (a tier's, workflow only)", "fn_stats_tier"),
                              ("/ticket stats 365d (workflow only)", "fn_stats_year"),
                              ("due notification query (next_due_candidate)", "fn_due"),
                              ("next wake-up query (next_due_at)", "fn_wake")):
            table.append([kind, label, "-", "-", "-", ms(percentile(r[direct], 50)),
                          ms(max(r[direct], default=float("nan")))])
    report.table(["database", "command", "answered", "signed p50", "signed max", "workflow p50", "workflow max"],
                 table)
    report.text("Signed: slash command sent -> ephemeral answer at the response_url (HTTP, Bolt, workflow, "
                "Block Kit, respond). Workflow: `list_queue` / `answer_stats_command` called in-process. "
                "Goal (issue 11): < 200 ms.")
    for kind, r in results.items():
        slow = sorted(r["stats_sql"], key=lambda s: -s[0])[:3]
        lines = [f"- {elapsed * 1000:.1f} ms: `{_one_line(sql, 150)}`" for elapsed, sql, _p in slow]
        report.text(f"Slowest statements of `/ticket stats 30d` on {kind} "
                    f"({len(r['stats_sql'])} statements, {sum(s[0] for s in r['stats_sql']) * 1000:.0f} ms in all):\n"
                    + "\n".join(lines))
    report.heading("3c. SLA storm at this size: `fire_due_notifications` (as in 2c), one resolution warning "
                   "due on each of the first open tickets")
    table = []
    for kind, r in results.items():
        e = r["storm"]
        table.append([kind, f"{e['delivered']}/{e['count']}", f"{e['elapsed']:.1f} s", f"{e['count'] / e['elapsed']:.0f}/s",
                      f"{e['elapsed'] / max(e['count'], 1) * 1000:.1f}", e["dupes"]])
    report.table(["database", "delivered", "total", "notices/s", "ms per notice", "duplicates"], table)
    report.heading("3d. Query plans")
    for kind, r in results.items():
        for title, (sql, plan) in r["plans"].items():
            report.text(f"{kind}, {title}:\n\n```\n{sql}\n--\n{plan}\n```")
