"""What a desk's people wait for, on a loaded database (sections 3 and 5: 100,000 and
1,000,000 tickets): `serve` start to healthy, `/ticket queue`, `/ticket stats 30d` and
`365d`, `supportbot report --since 365d`, and the App Home of an agent of a tier with
5,000 open tickets; signed through the real `supportbot serve` and called in-process.

    served = await through_serve(ctx, url, kind, samples)        # the bot in a subprocess
    direct = await in_process(ctx, url, kind, samples)           # the workflow functions here
    report_desk(ctx.report, "3b", results, samples)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks import seed
from benchmarks.fake_slack_server import BOT_TOKEN
from benchmarks.harness import REPO_ROOT, Context, ms, percentile, rss_mb, start_bot, wait_healthy
from benchmarks.measure import clip, explain, home_samples, one_line, signed_samples, statements, timed, uses_index
from bot.clock import system_clock
from bot.database import make_engine, make_session_factory
from models.sla_queries import next_due_at, next_due_candidate
from models.ticket_lists import open_queue
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.home.publish import publish_home
from workflows.policy.loader import load_config
from workflows.reports.metrics import compute_stats
from workflows.reports.stats_command import answer_stats_command
from workflows.tickets.lookup import list_queue

TIER_CHANNEL = "C0TIER1FL"  # `/ticket queue` typed here lists tier1 (Frontline)
HOME_TIER = "tier1"
HOME_AGENT = "U0AGENT01"    # app.yaml: a member of tier1, so its App Home lists tier1's queue
HOME_OPEN = 5_000           # open tickets in that tier (seed.top_up_open)
YEAR = timedelta(days=365)

#: (label, signed key, workflow key, goal in seconds or None)
ROWS = (
    ("/ticket queue (tier1 channel)", "queue_tier", "fn_queue_tier", 0.050),
    ("/ticket queue (all open)", "queue_all", "fn_queue_all", 0.050),
    ("/ticket stats 30d", "stats", "fn_stats", 0.200),
    ("/ticket stats 365d", "stats_year", "fn_stats_year", 0.200),
    ("/ticket stats 30d tier2", None, "fn_stats_tier", None),
    ("supportbot report --since 365d (its computation)", None, "fn_report_year", 0.200),
    (f"App Home of {HOME_AGENT} ({HOME_TIER}: {HOME_OPEN:,} open)", "home", "fn_home", 0.100),
    ("due notification query (next_due_candidate)", None, "fn_due", None),
    ("next wake-up query (next_due_at)", None, "fn_wake", None),
)


async def through_serve(ctx: Context, url: str, kind: str, samples: int,
                        ready: Callable[[str], Awaitable[float | None]] | None = None) -> dict[str, Any]:
    """`supportbot serve` on the loaded database: spawn -> healthy, RSS, then (once
    ``ready(url)`` says the bot's background work on the history is done: seconds
    waited, or None when it has none) the signed commands one at a time."""
    await ctx.fake.reset()
    bot = await start_bot(f"desk-{kind}", database_url=url, fake_api_url=ctx.fake.api_url, workdir=ctx.workdir)
    r: dict[str, Any] = {}
    try:
        r["healthy"] = await wait_healthy(bot, timeout=120)
        r["rss_start"] = rss_mb(bot.pid)[0]
        r["ready"] = await ready(url) if ready else None
        r["queue_tier"] = await signed_samples(ctx, bot.url, "queue", TIER_CHANNEL, samples, "qt")
        r["queue_all"] = await signed_samples(ctx, bot.url, "queue", "C0GENERAL", samples, "qa")
        r["stats"] = await signed_samples(ctx, bot.url, "stats 30d", "C0GENERAL", samples, "st")
        r["stats_year"] = await signed_samples(ctx, bot.url, "stats 365d", "C0GENERAL", samples, "sy")
        r["home"] = await home_samples(ctx, bot.url, HOME_AGENT, samples)
        r["rss_end"], r["rss_peak"] = rss_mb(bot.pid)
    finally:
        await bot.stop()
    return r


async def in_process(ctx: Context, url: str, kind: str, samples: int) -> dict[str, Any]:
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

    def stats(words: str) -> Callable[[], Awaitable[Any]]:
        return lambda: answer_stats_command(sessions=deps.sessions, config=config, clock=system_clock,
                                            team_id=seed.TEAM_ID, text=words)

    async def report_year() -> None:  # what `supportbot report --since 365d` computes (every workspace)
        now = system_clock()
        async with deps.sessions() as db:
            await compute_stats(db=db, config=config, since=now - YEAR, until=now)

    def queue(channel: str) -> Callable[[], Awaitable[Any]]:
        return lambda: list_queue(sessions=deps.sessions, config=config, now=system_clock(), team_id=seed.TEAM_ID,
                                  channel_id=channel, argument="", viewer=partial(roles_of, deps=deps,
                                                                                   user_id="U0BENCH"))

    home = partial(publish_home, deps=deps, team_id=seed.TEAM_ID, user_id=HOME_AGENT)
    queries = {
        "due notification (models.sla_queries.next_due_candidate)": in_session(
            lambda db: next_due_candidate(db, system_clock())),
        "next wake-up (models.sla_queries.next_due_at)": in_session(next_due_at),
        "queue of tier1, first 30 (models.ticket_lists.open_queue)": in_session(
            lambda db: open_queue(db, seed.TEAM_ID, tier_ids=["tier1"], limit=30)),
        f"App Home of {HOME_AGENT} (workflows.home.publish.publish_home)": home,
    }
    r: dict[str, Any] = {}
    try:
        r["size"] = await database_size(engine, url)
        r["fn_queue_tier"] = await timed(queue(TIER_CHANNEL), samples)
        r["fn_queue_all"] = await timed(queue("C0GENERAL"), samples)
        r["fn_stats"] = await timed(stats("30d"), samples)
        r["fn_stats_tier"] = await timed(stats("30d tier2"), samples)
        r["fn_stats_year"] = await timed(stats("365d"), samples)
        r["fn_report_year"] = await timed(report_year, samples)
        r["fn_home"] = await timed(home, samples)
        r["stats_sql"] = await statements(engine, stats("30d"))
        r["stats_year_sql"] = await statements(engine, stats("365d"))
        due, wake, _queue, _home = queries.values()
        r["fn_due"] = await timed(due, samples)
        r["fn_wake"] = await timed(wake, samples)
        plans = {}
        for title, call in queries.items():
            for n, (_elapsed, sql, params) in enumerate(await statements(engine, call), start=1):
                plan = await explain(engine, sql, params)
                plans[f"{title} #{n}"] = (one_line(sql, 400), clip(plan), uses_index(plan))
        r["plans"] = plans
    finally:
        await engine.dispose()
    return r


async def database_size(engine: AsyncEngine, url: str) -> str:
    if engine.dialect.name == "sqlite":
        from pathlib import Path

        from sqlalchemy.engine import make_url

        return f"{Path(make_url(url).database).stat().st_size / 2**20:.0f} MiB"
    async with engine.connect() as conn:
        size = (await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one()
    return f"{size / 2**20:.0f} MiB"


def _cell(values: list[float] | None, fn: Callable[[list[float]], float]) -> str:
    return "-" if values is None else ms(fn(values)) if values else "n/a"


def report_desk(ctx: Context, number: str, results: dict[str, dict[str, Any]], samples: int,
                goals: dict[str, float | None] | None = None) -> None:
    """The table of :data:`ROWS`; ``goals``: other goals by workflow key (None: no goal at this size)."""
    report = ctx.report
    report.heading(f"{number}. What people wait for at this size ({samples} each, one at a time; ms)")
    rows = []
    for kind, r in results.items():
        for label, signed, direct, goal in ROWS:
            goal = (goals or {}).get(direct, goal)
            s = r.get(signed) if signed else None
            judged = s if s is not None else r[direct]
            verdict = "-" if goal is None or not judged else ("met" if percentile(judged, 50) < goal else "missed")
            rows.append([kind, label, _cell(s, lambda v: percentile(v, 50)), _cell(s, max),
                         _cell(r[direct], lambda v: percentile(v, 50)), _cell(r[direct], max),
                         "-" if goal is None else f"< {goal * 1000:.0f}", verdict])
    report.table(["database", "what", "signed p50", "signed max", "workflow p50", "workflow max", "goal p50",
                  "goal"], rows)
    report.text("Signed: slash command sent -> ephemeral answer at the response_url, or `app_home_opened` sent -> "
                "the tab's views.publish at the fake (HTTP, Bolt, workflow, Block Kit, Slack call). Workflow: "
                "`list_queue` / `answer_stats_command` / `compute_stats` (as `supportbot report`, every workspace) / "
                "`publish_home` called in-process. The goal is judged on the signed p50 where there is one.")
    for kind, r in results.items():
        for key, words in (("stats_sql", "30d"), ("stats_year_sql", "365d")):
            slow = sorted(r[key], key=lambda s: -s[0])[:3]
            lines = [f"- {elapsed * 1000:.1f} ms: `{one_line(sql, 150)}`" for elapsed, sql, _p in slow]
            report.text(f"Slowest statements of `/ticket stats {words}` on {kind} ({len(r[key])} statements, "
                        f"{sum(s[0] for s in r[key]) * 1000:.0f} ms in all):\n" + "\n".join(lines))


def report_plans(ctx: Context, number: str, results: dict[str, dict[str, Any]]) -> None:
    ctx.report.heading(f"{number}. Query plans of the queue, App Home and due-notification statements")
    for kind, r in results.items():
        for title, (sql, plan, indexed) in r["plans"].items():
            flag = "" if indexed else " — **a full scan**"
            ctx.report.text(f"{kind}, {title}{flag}:\n\n```\n{sql}\n--\n{plan}\n```")


def startup_rows(results: dict[str, dict[str, Any]], seeded: dict[str, float]) -> list[list[str]]:
    return [[kind, r["size"], f"{seeded.get(kind, float('nan')):.1f} s", f"{r['healthy']:.2f} s",
             "-" if r.get("ready") is None else f"{r['ready']:.1f} s",
             f"{r['rss_start']:.0f} / {r['rss_end']:.0f} / {r['rss_peak']:.0f}"] for kind, r in results.items()]


STARTUP_HEADERS = ["database", "size", "bulk load", "serve: spawn -> healthy", "history work ready after",
                   "RSS MiB start / after / peak"]
