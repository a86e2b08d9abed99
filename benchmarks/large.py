"""5. A million tickets (``--large``): about 10M timeline rows, a year of a large desk.

Generated in chunks of 50,000 tickets (``benchmarks.seed.history_chunks``: the same
shape as section 3's 100,000, ten times as many a day) and written into SQLite and
Postgres at once by ``benchmarks.seed_bulk`` (secondary indexes dropped for the load
and rebuilt after it; Postgres: COPY, then VACUUM ANALYZE), tier1 topped up to 5,000
open tickets. Then, per database, what people wait for (``benchmarks.desk``: `serve`
spawn -> healthy, `/ticket queue`, `/ticket stats 30d` and `365d`, `supportbot report
--since 365d`, the App Home), the query plans, and the memory of `serve` at this size
(``benchmarks.memory``: idle, after 10,000 requests, the soak).

Its own time budget: about 10 minutes of loading on these 2 cores, then the sections
(the soak's ``--soak`` seconds included). ``--quick``: 200,000 tickets.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

from benchmarks import desk, memory, seed, seed_bulk
from benchmarks.harness import REPO_ROOT, Context, migrate, throwaway_database
from benchmarks.scale import ready_hook
from models.tickets import OPEN_STATUSES
from workflows.policy.loader import load_config

COUNT, QUICK = 1_000_000, 200_000
CARDS = 2_000


class _Tally:
    """Counts what the chunks held, and keeps a few open tickets (cards for the soak)."""

    def __init__(self) -> None:
        self.tickets = self.events = self.notifications = self.open = 0
        self.generated = 0.0
        self.open_tier = 0
        self.cards: list[dict[str, Any]] = []
        self.rows = seed.Rows()

    def watch(self, chunks: Iterator[seed.Rows]) -> Iterator[seed.Rows]:
        while True:
            t0 = time.perf_counter()
            rows = next(chunks, None)
            self.generated += time.perf_counter() - t0
            if rows is None:
                return
            self.tickets += len(rows.tickets)
            self.events += len(rows.events)
            self.notifications += len(rows.notifications)
            opened = [t for t in rows.tickets if t["status"] in OPEN_STATUSES]
            self.open += len(opened)
            self.open_tier += sum(1 for t in opened if t["tier"] == desk.HOME_TIER)
            self.cards += seed.cards_of(opened[:max(0, CARDS - len(self.cards))])
            yield rows


async def run(ctx: Context) -> None:
    count = ctx.size(COUNT, QUICK)
    samples = ctx.size(10, 5)
    config = load_config(REPO_ROOT / "app.yaml")
    now = datetime.now(UTC)
    tally = _Tally()
    results: dict[str, dict[str, Any]] = {}
    async with AsyncExitStack() as stack:
        urls = {}
        for kind in ctx.databases:
            urls[kind] = await stack.enter_async_context(throwaway_database(kind, ctx.pg_server))
            await migrate(urls[kind])
        loaded = await seed_bulk.load(urls.values(), tally.watch(seed.history_chunks(config, count, now=now)))
        # The App Home's tier gets its 5,000 open tickets (fewer: topped up; more: as they are).
        have = seed.Rows(tickets=[{"status": "new", "tier": desk.HOME_TIER}] * tally.open_tier)
        extra = seed.top_up_open(config, have, desk.HOME_TIER, desk.HOME_OPEN, first_id=count + 1, now=now)
        for url in urls.values():
            await seed.write(url, extra)
        gc.collect()
        for kind, url in urls.items():
            r: dict[str, Any] = await desk.through_serve(ctx, url, kind, samples, ready=ready_hook())
            r.update(await desk.in_process(ctx, url, kind, samples))
            results[kind] = r
        memory_use = await memory.run(ctx, urls, tally.cards, ctx.soak)
    _report(ctx, results, tally, loaded, len(extra.tickets), samples)
    memory.report(ctx, "5e", memory_use, f"{tally.tickets + len(extra.tickets):,}")


def _report(ctx: Context, results: dict[str, dict[str, Any]], tally: _Tally, loaded: seed_bulk.Loaded,
            extra: int, samples: int) -> None:
    report = ctx.report
    report.heading(f"5. A million tickets: {tally.tickets + extra:,} tickets ({tally.open + extra:,} open), "
                   f"{tally.events:,} timeline rows, {tally.notifications:,} SLA notification rows")
    seeded = {kind: loaded.insert[kind] + loaded.indexes[kind] + loaded.settle[kind] for kind in loaded.insert}
    report.table(desk.STARTUP_HEADERS, desk.startup_rows(results, seeded))
    report.text(f"Rows generated in {tally.generated:.0f} s, in chunks of 50,000 tickets written into both databases "
                "as they came. Bulk load: " + "; ".join(
                    f"{kind} {loaded.insert[kind]:.0f} s of inserts, {loaded.indexes[kind]:.0f} s rebuilding the "
                    f"indexes" + (f", {loaded.settle[kind]:.0f} s of VACUUM ANALYZE" if loaded.settle[kind] else "")
                    for kind in loaded.insert) + f". Tier1 topped up with {extra:,} live tickets to "
                f"{desk.HOME_OPEN:,} open. Goals (issue 23): serve spawn -> healthy < 5 s; `/ticket stats 30d` < 200 ms "
                "and `365d` < 500 ms at this size.")
    desk.report_desk(ctx, "5b", results, samples, goals={"fn_stats_year": 0.500, "fn_report_year": None})
    desk.report_plans(ctx, "5c", results)
