"""Profiles of the hot paths with pyinstrument (``--profile``; ``pip install pyinstrument``).

- the request path: `supportbot serve` (SQLite) run under pyinstrument while it answers
  `/ticket` slash commands at 20 concurrent (what section 1 measures);
- the timer path: ``fire_due_notifications`` on a storm already due (sections 2c and
  3c) in a Postgres database with a history (20,000 tickets, most resolved), in this
  process, profiled with pyinstrument's async mode.

For each, the application's call tree with library frames folded away (pyinstrument's
flat self-time view is left out: SQLAlchemy's greenlets make it attribute time to the
wrong frames).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import seed
from benchmarks.fake_slack_server import BOT_TOKEN
from benchmarks.harness import REPO_ROOT, Context, migrate, start_bot, throwaway_database, wait_healthy
from benchmarks.load import fire, slash_requests
from benchmarks.timers import _due_rows
from bot.clock import system_clock
from workflows.policy.loader import load_config
from bot.database import make_engine, make_session_factory
from bot.runtime import OUTBOX_RENDERERS, OUTBOX_STEPS
from models.sla import SlaNotificationKind as Kind
from models.tickets import OPEN_STATUSES
from workflows.deps import Deps
from workflows.sla.engine import fire_due_notifications

TREE_LINES = 60
HISTORY = 20_000


def _render(session, title: str) -> str:  # noqa: ANN001 - pyinstrument.session.Session
    """The application's call tree (library frames folded away), frames >= 2 % of the samples."""
    from pyinstrument.renderers import ConsoleRenderer

    tree = ConsoleRenderer(time="percent_of_total", short_mode=True,
                           processor_options={"filter_threshold": 0.02}).render(session)
    lines = [line.rstrip() for line in tree.splitlines() if line.strip(" .")][:TREE_LINES]
    return f"{title}\n\n```\n" + "\n".join(lines) + "\n```"


async def _serve_profile(ctx: Context, n: int) -> str:
    from pyinstrument.session import Session

    path = ctx.workdir / "serve.pyisession"
    async with throwaway_database("sqlite", ctx.pg_server) as url:
        bot = await start_bot("profile-serve", database_url=url, fake_api_url=ctx.fake.api_url,
                              workdir=ctx.workdir, profile_to=path)
        try:
            await wait_healthy(bot)
            await ctx.fake.reset()
            result = await fire(bot.url, slash_requests("profile", n), 20)
            await ctx.fake.wait_count("views.open", n, timeout=60)
        finally:
            await bot.stop(timeout=60)
    if not Path(path).exists():
        return f"(no profile written; see {bot.log})"
    return _render(Session.load(str(path)),
                   f"`supportbot serve` (SQLite) answering {n} `/ticket` at 20 concurrent "
                   f"({result.throughput:.0f} req/s under the profiler), whole process:")


async def _engine_profile(ctx: Context, count: int) -> str:
    from pyinstrument import Profiler

    config = load_config(REPO_ROOT / "app.yaml")
    async with throwaway_database("postgres", ctx.pg_server) as url:
        await migrate(url)
        rows = seed.history(config, HISTORY, now=datetime.now(UTC))
        await seed.write(url, rows)
        open_tickets = [t for t in rows.tickets if t["status"] in OPEN_STATUSES][:count]
        await ctx.fake.reset()
        await ctx.fake.seed_cards(seed.cards_of(open_tickets))
        due = datetime.now(UTC) - timedelta(seconds=1)
        storm = _due_rows(open_tickets, [due] * len(open_tickets), (Kind.RESOLUTION_WARNING,))
        await seed.write(url, seed.Rows(notifications=storm))
        engine = make_engine(url)
        from slack_sdk.web.async_client import AsyncWebClient

        deps = Deps(sessions=make_session_factory(engine), config=config, clock=system_clock,
                    slack=AsyncWebClient(token=BOT_TOKEN, base_url=ctx.fake.api_url),
                    outbox_steps=OUTBOX_STEPS, outbox_renderers=OUTBOX_RENDERERS)
        profiler = Profiler(interval=0.001, async_mode="enabled")
        started = time.perf_counter()
        try:
            with profiler:
                fired = 0
                while (batch := await fire_due_notifications(deps=deps)) > 0:
                    fired += batch
        finally:
            await engine.dispose()
        elapsed = time.perf_counter() - started
    return _render(profiler.last_session,
                   f"`fire_due_notifications` (Postgres, {HISTORY:,} tickets of history), {fired} notices in "
                   f"{elapsed:.1f} s under the profiler:")


async def run(ctx: Context) -> None:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        ctx.report.heading("Profiles: skipped (pip install pyinstrument, or pip install -e '.[bench]')")
        return
    ctx.report.heading("Profiles (pyinstrument)")
    ctx.report.text(await _serve_profile(ctx, ctx.size(3000, 1000)))
    ctx.report.text(await _engine_profile(ctx, ctx.size(300, 200)))
