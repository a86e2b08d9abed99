"""4. Two replicas on one Postgres against one, under the same load.

Each phase on a fresh database with 10,000 live tickets (as in section 2), the load
spread evenly over the replicas' URLs:

1. N `/ticket` slash commands at 100 concurrent: acks per second;
2. a storm of S SLA notifications due within the same second: all delivered, how long,
   duplicates (the same notice twice in a ticket's thread, or two timeline rows), and
   the most posts one channel received (each replica paces its own posts);
3. M new-ticket modal submissions at 20 concurrent: tickets committed per second
   (the cards are paced per channel and posted afterwards; not waited for).
"""

from __future__ import annotations

import asyncio
import os
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from benchmarks import seed
from benchmarks.ack_latency import CARD_CATEGORIES
from benchmarks.harness import (
    REPO_ROOT,
    Context,
    Proc,
    migrate,
    ms,
    percentile,
    start_bot,
    throwaway_database,
    wait_healthy,
)
from benchmarks.load import fire, slash_requests, submission_request
from benchmarks.timers import _due_rows, _round_robin, notices, pacing
from workflows.policy.loader import load_config
from bot.database import make_engine
from tests.fakes.slack import view_state

ARM_MARGIN = timedelta(seconds=7)


async def _count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def _phase(ctx: Context, replicas: int, sizes: dict[str, int]) -> dict[str, Any]:
    config = load_config(REPO_ROOT / "app.yaml")
    out: dict[str, Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(throwaway_database("postgres", ctx.pg_server))
        await migrate(url)
        await ctx.fake.reset()
        bots: list[Proc] = []
        for i in range(replicas):
            bot = await start_bot(f"replica{replicas}-{i}", database_url=url, fake_api_url=ctx.fake.api_url,
                                  workdir=ctx.workdir)
            stack.push_async_callback(bot.stop)
            bots.append(bot)
        await asyncio.gather(*(wait_healthy(b) for b in bots))
        urls = [b.url for b in bots]
        rows = seed.live_tickets(config, 10_000, now=datetime.now(UTC))
        await seed.write(url, rows)
        await ctx.fake.seed_cards(seed.cards_of(rows.tickets))
        card_ts = {t["message_ts"]: t["id"] for t in rows.tickets}

        # 1. acks
        await fire(urls, slash_requests(f"warm-r{replicas}", 40 * replicas), 10 * replicas)
        acks = await fire(urls, slash_requests(f"r{replicas}", sizes["acks"]), 100)
        out["acks"] = acks
        await ctx.fake.wait_count("views.open", sizes["acks"], timeout=60)

        # 2. storm
        storm_t = _round_robin(rows.tickets)[:sizes["storm"]]
        storm_at = datetime.now(UTC) + ARM_MARGIN
        storm = _due_rows(storm_t, [storm_at + timedelta(seconds=i / len(storm_t)) for i in range(len(storm_t))])
        await ctx.fake.records()
        await seed.write(url, seed.Rows(notifications=storm))
        wanted = {r["ticket_id"] for r in storm}
        records: list[dict[str, Any]] = []
        deadline = storm_at.timestamp() + 30 + sizes["storm"] * 2.5
        while time.time() < deadline:
            records += await ctx.fake.records()
            if wanted <= set(notices(records, card_ts)):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # a duplicate from the other replica would arrive by now
        records += await ctx.fake.records()
        seen = notices(records, card_ts)
        arrivals = sorted(seen[t][0] for t in wanted if t in seen)
        out["storm"] = {
            "delivered": len(arrivals), "count": len(storm),
            "total": (arrivals[-1] - storm_at.timestamp()) if arrivals else float("nan"),
            "dupes": sum(len(seen[t]) - 1 for t in wanted if t in seen),
            "timeline_dupes": await _count(url, "SELECT count(*) - count(DISTINCT ticket_id) FROM ticket_events "
                                                "WHERE kind IN ('sla_warning', 'sla_breach')"),
            "pacing": pacing(records),
        }

        # 3. ticket creation
        await fire(urls[0], slash_requests(f"modal-r{replicas}", 1), 1)
        await ctx.fake.wait_count("views.open", sizes["acks"] + 1, timeout=10)
        view = await ctx.fake.latest_view()
        before = await _count(url, "SELECT count(*) FROM tickets")
        requests = []
        for i in range(sizes["tickets"]):
            category, _channel = CARD_CATEGORIES[i % len(CARD_CATEGORIES)]
            state = view_state(view, {"Summary": f"replica load {i}", "Category": category, "Priority": "P3"})
            requests.append(submission_request(view, state, user_id="U0REPORTER", key=str(i)))
        started = time.perf_counter()
        submitted = await fire(urls, requests, 20)
        while time.perf_counter() - started < 120:
            if await _count(url, "SELECT count(*) FROM tickets") >= before + sizes["tickets"]:
                break
            await asyncio.sleep(0.05)
        out["created"] = await _count(url, "SELECT count(*) FROM tickets") - before
        out["create_seconds"] = time.perf_counter() - started
        out["submit"] = submitted
        out["numbers_unique"] = await _count(
            url, "SELECT count(*) = count(DISTINCT (team_id, number))::int FROM tickets") == 1
    return out


async def run(ctx: Context) -> None:
    if "postgres" not in ctx.databases:
        ctx.report.heading("4. Replicas: skipped (needs Postgres)")
        return
    sizes = {"acks": ctx.size(2000, 400), "storm": ctx.size(45, 21), "tickets": ctx.size(400, 100)}
    phases = {n: await _phase(ctx, n, sizes) for n in (1, 2)}
    report = ctx.report
    report.heading("4. One replica against two on one Postgres (same load, spread evenly over the replicas)")
    rows = []
    for n, p in phases.items():
        acks, storm = p["acks"], p["storm"]
        one, ten, channel = storm["pacing"]
        rows.append([n, f"{acks.throughput:.0f}", ms(percentile(acks.latencies, 50)),
                     ms(percentile(acks.latencies, 99)),
                     f"{p['created']}/{sizes['tickets']} in {p['create_seconds']:.1f} s "
                     f"({p['created'] / p['create_seconds']:.0f}/s)",
                     f"{storm['delivered']}/{storm['count']} in {storm['total']:.1f} s",
                     f"{storm['dupes']} / {storm['timeline_dupes']}", f"{one} / {ten} ({channel})",
                     "yes" if p["numbers_unique"] else "NO"])
    report.table(["replicas", f"acks/s ({sizes['acks']} at 100 conc.)", "ack p50 ms", "ack p99 ms",
                  "tickets created (20 conc.)", "storm delivered", "duplicates (Slack / timeline)",
                  "max posts per channel 1 s / 10 s", "ticket numbers unique"], rows)
    one = phases[1]
    two = phases[2]
    report.text(f"Two replicas vs one: acks {two['acks'].throughput / one['acks'].throughput:.2f}x, "
                f"ticket creation {(two['created'] / two['create_seconds']) / (one['created'] / one['create_seconds']):.2f}x, "
                f"storm time {two['storm']['total'] / one['storm']['total']:.2f}x (on {os.cpu_count()} cores "
                "shared by the replicas, Postgres, the fake Slack and the load generator).")
