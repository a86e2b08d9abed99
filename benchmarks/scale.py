"""3. Scale: 100,000 tickets (about 1M timeline rows) in SQLite and in Postgres.

Seeded in bulk (``benchmarks.seed.history``: a year of tickets, most resolved, the open
ones with live SLA plans; topped up so that tier1 holds 5,000 open tickets, the queue
on its agents' App Home). Then the real `supportbot serve` on that database: time from
spawn to a healthy ``/healthz``, RSS, and what people wait for (``benchmarks.desk``):
`/ticket queue`, `/ticket stats 30d` and `365d` as signed slash commands (sent -> the
ephemeral answer arriving at the response_url on the fake Slack) and the App Home
(``app_home_opened`` -> views.publish). With the bot stopped, the same through the
workflow functions in this process (database time without HTTP), `supportbot report
--since 365d`'s computation, the slowest SQL statements of `/ticket stats`, an engine
storm at this size, and the EXPLAIN plans of the due-notification, queue and App Home
statements; then the memory of `serve` (``benchmarks.memory``: idle, after 10,000
requests, and a soak of ``--soak`` seconds at 20 requests a second).
"""

from __future__ import annotations

import gc
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from benchmarks import desk, memory, seed
from benchmarks.harness import REPO_ROOT, Context, migrate, throwaway_database
from benchmarks.timers import engine_storm
from models.sla import SlaNotificationKind as Kind
from models.tickets import OPEN_STATUSES
from workflows.policy.loader import load_config


async def run(ctx: Context) -> None:
    count = ctx.size(100_000, 20_000)
    samples = ctx.size(10, 5)
    storm = ctx.size(300, 100)
    config = load_config(REPO_ROOT / "app.yaml")
    started = time.perf_counter()
    now = datetime.now(UTC)
    rows = seed.history(config, count, now=now)
    extra = seed.top_up_open(config, rows, desk.HOME_TIER, desk.HOME_OPEN, first_id=count + 1, now=now)
    rows = seed.Rows(rows.tickets + extra.tickets, rows.events + extra.events,
                     rows.notifications + extra.notifications)
    generated = time.perf_counter() - started
    # The million rows live in this process, which also times the in-process calls: a
    # full garbage collection walking them stalled it for 500 ms and more mid-sample.
    gc.collect()
    gc.freeze()
    open_tickets = [t for t in rows.tickets if t["status"] in OPEN_STATUSES]
    results: dict[str, dict[str, Any]] = {}
    seeded: dict[str, float] = {}
    async with AsyncExitStack() as stack:
        urls = {}
        for kind in ctx.databases:
            url = urls[kind] = await stack.enter_async_context(throwaway_database(kind, ctx.pg_server))
            await migrate(url)
            t0 = time.perf_counter()
            await seed.write(url, rows)
            if kind == "postgres":
                await settle_postgres(url)
            seeded[kind] = time.perf_counter() - t0
            r: dict[str, Any] = await desk.through_serve(ctx, url, kind, samples, ready=ready_hook())
            r.update(await desk.in_process(ctx, url, kind, samples))
            await ctx.fake.reset()
            await ctx.fake.seed_cards(seed.cards_of(open_tickets[:storm]))
            r["storm"] = await engine_storm(ctx, url, config, open_tickets[:storm],
                                            {t["message_ts"]: t["id"] for t in open_tickets[:storm]},
                                            kinds=(Kind.RESOLUTION_WARNING,))
            results[kind] = r
        memory_use = await memory.run(ctx, urls, seed.cards_of(open_tickets[storm:storm + 2000]), ctx.soak)
    gc.unfreeze()
    _report(ctx, results, rows, generated, seeded, samples)
    memory.report(ctx, "3e", memory_use, f"{len(rows.tickets):,}")


def ready_hook():  # noqa: ANN201 - see benchmarks.desk.through_serve
    """What `serve` does with the history in the background before the numbers mean
    what they should: the daily stats rollups of every past day (#23; a checkout
    without them: nothing to wait for)."""
    return rollups_ready


async def rollups_ready(url: str, timeout: float = 1800.0) -> float | None:
    """Seconds until `serve`'s job has built a rollup for every complete past day of the
    history (``workflows/reports/rollups.py``); None when this code has no rollups."""
    import asyncio

    from sqlalchemy import text

    from bot.database import make_engine
    from workflows.reports.days import day_of
    from workflows.reports.metrics import report_zone
    from workflows.reports.rollups import HORIZON

    zone = report_zone(load_config(REPO_ROOT / "app.yaml"))
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        async with engine.connect() as conn:
            earliest = (await conn.execute(text("SELECT min(created_at) FROM tickets"))).scalar_one()
        if isinstance(earliest, str):
            earliest = datetime.fromisoformat(earliest).replace(tzinfo=UTC)
        now = datetime.now(UTC)
        first = max(day_of(earliest, zone), day_of(now - HORIZON, zone))
        wanted = (day_of(now, zone) - first).days
        while time.perf_counter() - started < timeout:
            async with engine.connect() as conn:
                built = (await conn.execute(text(
                    "SELECT count(*) FROM stats_rollup_days WHERE zone = :zone AND NOT stale"), {"zone": zone.key}
                )).scalar_one()
            if built >= wanted:
                return time.perf_counter() - started
            await asyncio.sleep(0.5)
        raise RuntimeError(f"the stats rollups were not built within {timeout:.0f} s")
    finally:
        await engine.dispose()


async def settle_postgres(url: str) -> None:
    """What autovacuum does to freshly loaded tables on a default server (this machine's
    test server runs with it off): VACUUM ANALYZE, so that the queries meet a year of
    tickets as a deployed database keeps them, not the first reads after a bulk load
    (which set every row's hint bits, dirtying the pages: 120-180 ms and 660 ms spikes
    for `/ticket stats 30d`, against 120 ms once settled)."""
    from sqlalchemy import text

    from bot.database import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


def _report(ctx: Context, results: dict[str, dict[str, Any]], rows: seed.Rows, generated: float,
            seeded: dict[str, float], samples: int) -> None:
    report = ctx.report
    open_count = sum(1 for t in rows.tickets if t["status"] in OPEN_STATUSES)
    report.heading(f"3. Scale: {len(rows.tickets):,} tickets ({open_count:,} open), {len(rows.events):,} "
                   f"timeline rows, {len(rows.notifications):,} SLA notification rows")
    report.table(desk.STARTUP_HEADERS, desk.startup_rows(results, seeded))
    report.text(f"Rows generated in {generated:.1f} s (real due times and SLA plans). Postgres: VACUUM "
                "ANALYZE after the load, as autovacuum would on a default server (this machine's runs with it off); "
                "SQLite: no ANALYZE, as a deployed database has none.")
    desk.report_desk(ctx, "3b", results, samples)
    report.heading("3c. SLA storm at this size: `fire_due_notifications` (as in 2c), one resolution warning "
                   "due on each of the first open tickets")
    table = []
    for kind, r in results.items():
        e = r["storm"]
        table.append([kind, f"{e['delivered']}/{e['count']}", f"{e['elapsed']:.1f} s", f"{e['count'] / e['elapsed']:.0f}/s",
                      f"{e['elapsed'] / max(e['count'], 1) * 1000:.1f}", e["dupes"]])
    report.table(["database", "delivered", "total", "notices/s", "ms per notice", "duplicates"], table)
    desk.report_plans(ctx, "3d", results)
