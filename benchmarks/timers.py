"""2. Timer lateness and SLA storms: 100,000 open tickets with live SLA plans, `supportbot serve`.

The databases run side by side: one `supportbot serve` each, started together, each with
a policy generated in the workdir from the repository's app.yaml in which every channel
id carries the database's tag (``C0TIER1FL`` -> ``C0TIER1FLS`` / ``C0TIER1FLP``), so what
the one fake Slack receives is told apart by channel and the per-channel pacing is
checked per process; the policy adds ``STORM_CHANNELS`` tiers ("Storm 01" …), each with
a category routed to it (its new cards and its notices go to its own channel).

Seeded behind the bots' backs (bulk insert, then the bot's 5-second sweep arms the exact
wake-up): 100,000 tickets (20,000 with --quick) of app.yaml's categories with their
real plans (the live timers: nothing due for minutes), the storm's tickets (P2/P3: no
page, no escalation), then

- a *trickle*: one ticket's warning or breach due each second, round-robin over the
  three channels new cards go to (below the per-channel pacing of 1 post a second);
- a *storm*: S notifications (1,000) all due within the same second, after the trickle,
  on tickets spread round-robin over the storm channels. Each notice is a post in the
  ticket's thread and one in its tier channel (the same channel), where notices waiting
  together are folded into digests (``workflows/outbox/digests.py``).

Lateness is when the notice arrives in the ticket's thread at the fake Slack minus its
due time. Per-channel pacing is checked on what the fake received. The storm's time is
projected for the repository's own app.yaml (three card channels) from the measured
per-channel rate. Then, with the bots stopped, one database after the other, the
*engine* alone: ``fire_due_notifications`` called in this process, as the deadline timer
calls it, on a storm of 1,000 already due, with a plain slack_sdk client (no pacing):
how fast the claim-and-deliver loop itself is; and the statements of one deadline sweep
with their query plans (``benchmarks.sweep_plans``).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import defaultdict
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks import seed
from benchmarks.fake_slack_server import BOT_TOKEN
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
from bot.clock import system_clock
from workflows.policy.loader import load_config
from workflows.policy.schema import AppConfig
from bot.database import make_engine, make_session_factory
from bot.runtime import OUTBOX_RENDERERS, OUTBOX_STEPS
from models.sla import SlaNotification
from models.sla import SlaNotificationKind as Kind
from models.sla_queries import next_due_candidate
from workflows.outbox.digests import digest_size
from workflows.deps import Deps
from workflows.sla.engine import fire_due_notifications
from benchmarks.sweep_plans import report as report_sweep
from benchmarks.sweep_plans import sweep_plans

KINDS = (Kind.FIRST_RESPONSE_WARNING, Kind.RESOLUTION_WARNING, Kind.FIRST_RESPONSE_BREACH, Kind.RESOLUTION_BREACH)
#: Open tickets with their live SLA plans (issue 23: 100,000 live timers; 20,000 with --quick).
LIVE_TICKETS = 100_000
LIVE_QUICK = 20_000
TRICKLE_PER_SECOND = 1.0
ARM_MARGIN = timedelta(seconds=6.5)  # > one 5-second sweep: the exact wake-up is armed by then
#: 1,000 / 12: about 83 notices a channel, so that each channel's posts (a thread post per
#: notice, and the channel's own) outrun its pacing about when the engine is done firing.
STORM_CHANNELS = 12
CARD_CHANNELS = 3    # app.yaml: the channels new cards (and so notices) go to
TAGS = {"sqlite": "S", "postgres": "P"}
BURST = 10           # bot/channel_pacer.py: a burst of 10 posts, then 1 a second, per channel
_DIGEST = re.compile(r"^:bell: \*(\d+) SLA notices at once\*")


def _round_robin(tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tickets interleaved by channel (C1, C2, C3, C1, ...)."""
    by_channel: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ticket in tickets:
        by_channel[ticket["channel_id"]].append(ticket)
    queues = list(by_channel.values())
    out = []
    while any(queues):
        for queue in queues:
            if queue:
                out.append(queue.pop(0))
    return out


def _due_rows(tickets: list[dict[str, Any]], times: list[datetime],
              kinds: tuple[Kind, ...] = KINDS, *, every: int = 1) -> list[dict[str, Any]]:
    """One due notification per ticket; the kind changes every ``every`` tickets."""
    return [{"ticket_id": t["id"], "kind": kinds[(i // every) % len(kinds)], "due_at": due, "claimed_at": None}
            for i, (t, due) in enumerate(zip(tickets, times, strict=True))]


def notices(records: list[dict[str, Any]], card_ts: dict[str, int]) -> dict[int, list[float]]:
    """Ticket id -> arrival times of SLA notices in its thread."""
    out: dict[int, list[float]] = defaultdict(list)
    for r in records:
        if r["m"] == "chat.postMessage" and r["th"] in card_ts and r["ok"] and "SLA " in (r["tx"] or ""):
            out[card_ts[r["th"]]].append(r["t"])
    return out


def channel_notices(records: list[dict[str, Any]], channels: set[str]) -> tuple[list[tuple[float, int]], list[float]]:
    """SLA notices posted to ``channels`` themselves (not in threads): the digests, as
    (arrival, notices listed), and the notices posted alone (arrival times)."""
    digests, singles = [], []
    for r in records:
        if r["m"] != "chat.postMessage" or r["th"] or not r["ok"] or r["ch"] not in channels:
            continue
        text = r["tx"] or ""
        found = _DIGEST.match(text)
        if found:
            digests.append((r["t"], int(found.group(1))))
        elif "SLA " in text:
            singles.append(r["t"])
    return digests, singles


def _posts_by_channel(records: list[dict[str, Any]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r["m"] == "chat.postMessage" and r["ch"]:
            times[r["ch"]].append(r["t"])
    return {channel: sorted(stamps) for channel, stamps in times.items()}


def pacing(records: list[dict[str, Any]]) -> tuple[int, int, str]:
    """(most posts to one channel in any 1 s, most in any 10 s, the busiest channel)."""
    most_one, most_ten, busiest = 0, 0, "-"
    for channel, stamps in _posts_by_channel(records).items():
        j1 = j10 = 0
        for i, t in enumerate(stamps):
            while stamps[j1] <= t - 1.0:
                j1 += 1
            while stamps[j10] <= t - 10.0:
                j10 += 1
            most_one = max(most_one, i - j1 + 1)
            if i - j10 + 1 > most_ten:
                most_ten, busiest = i - j10 + 1, channel
    return most_one, most_ten, busiest


def paced_rate(records: list[dict[str, Any]], channels: set[str]) -> float:
    """Posts a second per channel once its burst is spent: over the later half of each
    channel's posts (the burst, and tokens saved while the storm began, are behind),
    the median over ``channels``."""
    rates = []
    for channel, stamps in _posts_by_channel(records).items():
        later = stamps[len(stamps) // 2:]
        if channel in channels and len(stamps) > BURST + 1 and later[-1] > later[0]:
            rates.append((len(later) - 1) / (later[-1] - later[0]))
    return statistics.median(rates) if rates else float("nan")


def _lateness(rows: list[dict[str, Any]], seen: dict[int, list[float]]) -> list[float]:
    return [seen[r["ticket_id"]][0] - r["due_at"].timestamp() for r in rows if r["ticket_id"] in seen]


# -- the policy of one database's bot -----------------------------------------------------


def _policies(kind: str, storm_channels: int, workdir: Path) -> tuple[Path, AppConfig, AppConfig, list[str]]:
    """(the bot's policy file, app.yaml's own categories with this database's channel ids,
    the whole policy, the storm categories)."""
    tag = TAGS.get(kind, kind[:1].upper())
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["channels"] = {name: f"{channel}{tag}" for name, channel in policy["channels"].items()}
    for tier in policy["tiers"]:
        tier["channel"] = f"{tier['channel']}{tag}"
    base_path = workdir / f"timers-{kind}-base.yaml"
    base_path.write_text(yaml.safe_dump(policy, sort_keys=False))
    names = [f"Storm {i:02d}" for i in range(1, storm_channels + 1)]
    for i, name in enumerate(names, start=1):
        policy["tiers"].append({"id": f"storm{i:02d}", "name": name, "channel": f"C0STORM{tag}{i:02d}"})
        policy["categories"].append({"name": name, "tier": f"storm{i:02d}"})
    path = workdir / f"timers-{kind}.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path, load_config(base_path), load_config(path), names


def _channels_of(config: AppConfig) -> set[str]:
    return {config.channels.triage, config.channels.incidents, config.channels.oncall,
            *(tier.channel for tier in config.tiers)}


@dataclass
class _Served:
    """One database and its `supportbot serve`, through the trickle and the storm."""

    kind: str
    url: str
    policy: Path
    base: AppConfig
    config: AppConfig
    storm_categories: list[str]
    bot: Proc | None = None
    rows: seed.Rows = field(default_factory=seed.Rows)
    storm_tickets: list[dict[str, Any]] = field(default_factory=list)
    engine_tickets: list[dict[str, Any]] = field(default_factory=list)
    card_ts: dict[str, int] = field(default_factory=dict)
    seed_seconds: float = 0.0
    trickle: list[dict[str, Any]] = field(default_factory=list)
    storm: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def channels(self) -> set[str]:
        return _channels_of(self.config)

    @property
    def storm_channels(self) -> set[str]:
        return {self.config.channel_for_category(name) for name in self.storm_categories}

    def done(self, records: list[dict[str, Any]], storm_n: int) -> bool:
        mine = [r for r in records if r["ch"] in self.channels]
        seen = notices(mine, self.card_ts)
        digests, singles = channel_notices(mine, self.storm_channels)
        return ({r["ticket_id"] for r in self.trickle + self.storm} <= set(seen)
                and sum(n for _t, n in digests) + len(singles) >= storm_n)


async def _start(ctx: Context, served: _Served) -> None:
    await migrate(served.url)
    served.bot = await start_bot(f"timers-{served.kind}", database_url=served.url, fake_api_url=ctx.fake.api_url,
                                 workdir=ctx.workdir, config=served.policy)
    await wait_healthy(served.bot)


async def _seed(ctx: Context, served: _Served, storm_n: int, live_n: int, engine_n: int) -> None:
    now = datetime.now(UTC)
    live = seed.live_tickets(served.base, live_n, now=now)
    storm = seed.tickets_in(served.config, served.storm_categories, storm_n, first_id=live_n + 1, now=now)
    # The engine-alone storm's tickets: app.yaml's own categories, no SLA plan of their own
    # (a live ticket's plan falling due during a long run would add notices to its thread).
    cards = [c.name for c in served.base.categories if c.tier]
    engine = seed.tickets_in(served.base, cards, engine_n, first_id=live_n + storm_n + 1, now=now, seed=17)
    served.rows = live
    served.storm_tickets = storm.tickets
    served.engine_tickets = _round_robin(engine.tickets)
    rows = seed.Rows(tickets=live.tickets + storm.tickets + engine.tickets,
                     events=live.events + storm.events + engine.events, notifications=live.notifications)
    started = time.perf_counter()
    await seed.write(served.url, rows)
    served.seed_seconds = time.perf_counter() - started
    await ctx.fake.seed_cards(seed.cards_of(rows.tickets))
    served.card_ts = {t["message_ts"]: t["id"] for t in rows.tickets}


async def _collect(ctx: Context, databases: list[_Served], storm_n: int, deadline: float) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while time.time() < deadline:
        records += await ctx.fake.records()
        if all(served.done(records, storm_n) for served in databases):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)  # late duplicates, if any, would arrive now
    return records + await ctx.fake.records()


async def engine_storm(ctx: Context, url: str, config: AppConfig, tickets: list[dict[str, Any]],
                       card_ts: dict[str, int], kinds: tuple[Kind, ...] = KINDS) -> dict[str, Any]:
    """``fire_due_notifications`` in this process, as the deadline timer calls it, until
    nothing is due, on one notification per ticket of ``tickets``, all due already."""
    due = datetime.now(UTC) - timedelta(seconds=1)
    rows = _due_rows(tickets, [due + timedelta(microseconds=i) for i in range(len(tickets))], kinds)
    await seed.write(url, seed.Rows(notifications=rows))
    await ctx.fake.records()  # skip what came before
    engine = make_engine(url)
    slack = AsyncWebClient(token=BOT_TOKEN, base_url=ctx.fake.api_url,
                           retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
    deps = Deps(sessions=make_session_factory(engine), slack=slack, config=config, clock=system_clock,
                outbox_steps=OUTBOX_STEPS, outbox_renderers=OUTBOX_RENDERERS)
    started = time.perf_counter()
    fired = 0
    ids = [t["id"] for t in tickets]
    try:
        while True:  # until the storm's own rows are claimed (live plans falling due meanwhile fire too)
            fired += await fire_due_notifications(deps=deps)
            async with deps.sessions() as db:
                left = (await db.execute(select(func.count()).select_from(SlaNotification).where(
                    SlaNotification.claimed_at.is_(None), SlaNotification.ticket_id.in_(ids),
                    SlaNotification.due_at <= due + timedelta(seconds=1)))).scalar_one()
                if not left or await next_due_candidate(db, system_clock()) is None:
                    break
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    records = await ctx.fake.records()
    seen = {tid: times for tid, times in notices(records, card_ts).items() if tid in set(ids)}
    return {"count": len(rows), "fired": fired, "delivered": sum(1 for r in rows if r["ticket_id"] in seen),
            "dupes": sum(len(v) - 1 for v in seen.values()), "elapsed": elapsed,
            "calls": sum(1 for r in records if r["m"].startswith("chat."))}


async def run(ctx: Context) -> None:
    trickle_n, storm_n, engine_n = ctx.size(30, 10), ctx.size(1000, 100), ctx.size(1000, 300)
    storm_channels = ctx.size(STORM_CHANNELS, 5)
    live_n = ctx.size(LIVE_TICKETS, LIVE_QUICK)
    results: dict[str, dict[str, Any]] = {}
    await ctx.fake.reset()
    async with AsyncExitStack() as stack:
        databases = []
        for kind in ctx.databases:
            url = await stack.enter_async_context(throwaway_database(kind, ctx.pg_server))
            databases.append(_Served(kind, url, *_policies(kind, storm_channels, ctx.workdir)))
        try:
            await asyncio.gather(*(_start(ctx, served) for served in databases))
            for served in databases:  # one after the other: the bulk seed is measured
                await _seed(ctx, served, storm_n, live_n, engine_n)
            start = datetime.now(UTC) + ARM_MARGIN
            storm_at = start + timedelta(seconds=trickle_n / TRICKLE_PER_SECOND + 3)
            for served in databases:
                ordered = _round_robin(served.rows.tickets)
                served.trickle = _due_rows(ordered[:trickle_n], [start + timedelta(seconds=i / TRICKLE_PER_SECOND)
                                                                 for i in range(trickle_n)])
                # Kinds change every storm_channels tickets: every channel gets all four.
                served.storm = _due_rows(served.storm_tickets, [storm_at + timedelta(seconds=i / storm_n)
                                                                for i in range(storm_n)], every=storm_channels)
            await ctx.fake.records()
            for served in databases:
                await seed.write(served.url, seed.Rows(notifications=served.trickle + served.storm))
            deadline = storm_at.timestamp() + 60 + storm_n * 0.3
            records = await _collect(ctx, databases, storm_n, deadline)
        finally:
            await asyncio.gather(*(served.bot.stop() for served in databases if served.bot is not None))
        for served in databases:
            mine = [r for r in records if r["ch"] in served.channels]
            ordered = _round_robin(served.rows.tickets)
            results[served.kind] = {
                **_storm_result(served, mine, storm_at.timestamp(), storm_n),
                "engine": await engine_storm(ctx, served.url, served.config, served.engine_tickets, served.card_ts),
                "pending": await _pending(served.url),
                "sweep": await sweep_plans(served.url, served.config, ordered[-1]["id"], ctx.fake.api_url),
            }
    _report(ctx, results, trickle_n, storm_n, storm_channels, live_n)
    report_sweep(ctx, "2d", results, live_n)


async def _pending(url: str) -> int:
    """Notification rows still to fire (the live timers) once the section is over."""
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(
                "SELECT count(*) FROM sla_notifications WHERE claimed_at IS NULL"))).scalar_one())
    finally:
        await engine.dispose()


def _storm_result(served: _Served, records: list[dict[str, Any]], storm_at: float, storm_n: int) -> dict[str, Any]:
    seen = notices(records, served.card_ts)
    storm_seen = [seen[r["ticket_id"]][0] for r in served.storm if r["ticket_id"] in seen]
    storm_ids = {r["ticket_id"] for r in served.storm}
    by_ts = {ts: tid for ts, tid in served.card_ts.items() if tid in storm_ids}
    texts = [r["tx"] for r in records
             if r["m"] == "chat.postMessage" and r["th"] in by_ts and "SLA " in (r["tx"] or "")]
    digests, singles = channel_notices(records, served.storm_channels)
    channel_times = [t for t, _n in digests] + singles
    return {
        "seed": served.seed_seconds, "rows": served.rows, "trickle": served.trickle, "storm": served.storm,
        "trickle_late": _lateness(served.trickle, seen), "storm_seen": storm_seen, "storm_at": storm_at,
        "storm_n": storm_n, "pacing": pacing(records),
        "dupes": sum(len(v) - 1 for v in seen.values()),
        "storm_dupes": sum(len(v) - 1 for k, v in seen.items() if k in storm_ids),
        "digests": digests, "singles": singles,
        "channel_last": max(channel_times, default=float("nan")) - storm_at,
        "rate": paced_rate(records, served.storm_channels),
        "digest_capacity": digest_size(texts) if texts else 1,
    }


def _projection(r: dict[str, Any]) -> float:
    """Seconds 1,000 notices due at once would take over app.yaml's three card channels:
    each channel's posts (a thread post per notice, and digests as full as the storm's
    notice texts allow: a backlog of hundreds per channel keeps them full) at the
    measured per-channel rate once the burst is spent."""
    notices_per_channel = 1000 / CARD_CHANNELS
    posts = notices_per_channel * (1 + 1 / r["digest_capacity"])
    return max(0.0, posts - BURST) / r["rate"] if r["rate"] == r["rate"] and r["rate"] > 0 else float("nan")


def _report(ctx: Context, results: dict[str, dict[str, Any]], trickle_n: int, storm_n: int,
            storm_channels: int, live_n: int) -> None:
    report = ctx.report
    together = " (both databases at once)" if len(results) > 1 else ""
    report.heading(f"2. Timer lateness: {live_n:,} open tickets with live SLA plans, "
                   f"`supportbot serve`{together}")
    rows = []
    for kind, r in results.items():
        late = r["trickle_late"]
        warn = [x for x, row in zip(late, r["trickle"], strict=False) if row["kind"].value.endswith("warning")]
        breach = [x for x, row in zip(late, r["trickle"], strict=False) if row["kind"].value.endswith("breach")]
        rows.append([kind, f"{len(r['rows'].notifications):,}", f"{r['pending']:,}", f"{r['seed']:.1f} s",
                     f"{len(late)}/{trickle_n}",
                     ms(percentile(late, 50)), ms(percentile(late, 99)), ms(max(late, default=float("nan"))),
                     f"{ms(percentile(warn, 50))} / {ms(percentile(breach, 50))}"])
    report.table(["database", "live notification rows", "still pending after the section", "bulk seed",
                  "trickle delivered", "lateness p50 ms", "p99 ms", "max ms", "p50 warnings / breaches ms"], rows)
    report.text(f"Trickle: {trickle_n} notifications, {TRICKLE_PER_SECOND:.0f} a second, round-robin over the "
                "three card channels, while every live ticket's plan is pending (none of it due for minutes). "
                "Goal (issues 11 and 23): p99 < 1 s.")
    report.heading(f"2b. Storm: {storm_n:,} notifications due within the same second (`supportbot serve`, paced, "
                   f"{storm_channels} channels{together})")
    rows = []
    for kind, r in results.items():
        seen_at = sorted(r["storm_seen"])
        first = seen_at[0] - r["storm_at"] if seen_at else float("nan")
        last = seen_at[-1] - r["storm_at"] if seen_at else float("nan")
        total = max(last, r["channel_last"])
        one, ten, channel = r["pacing"]
        folded = sum(n for _t, n in r["digests"])
        rows.append([kind, f"{len(seen_at)}/{storm_n}", r["storm_dupes"],
                     f"{folded + len(r['singles'])}/{storm_n} in {len(r['digests']) + len(r['singles'])} "
                     f"({len(r['digests'])} digests)",
                     f"{first:.2f} s", f"{total:.1f} s", f"{len(seen_at) / total:.1f}/s" if seen_at else "-",
                     f"{one} / {ten} ({channel})", f"{r['rate']:.2f}/s"])
    report.table(["database", "thread notices", "duplicates", "tier-channel notices in posts", "first after due",
                  "all delivered after", "notices/s", "max posts per channel in 1 s / 10 s",
                  "posts/s per channel after the burst"], rows)
    report.text(f"The storm's tickets are spread round-robin over {storm_channels} channels (one tier and category "
                f"each, in a policy generated from app.yaml); each notice is one post in the ticket's thread and "
                f"one in its tier channel, the same channel, where notices waiting together are folded into "
                f"digests. Duplicates: notices beyond the first in a thread; a digest's count is read from its "
                f"first line.")
    for kind, r in results.items():
        report.text(f"{kind}: with app.yaml's own {CARD_CHANNELS} card channels, 1,000 due at once would take "
                    f"about {_projection(r):.0f} s: {1000 / CARD_CHANNELS:.0f} thread posts and digests of "
                    f"{r['digest_capacity']} per channel at the measured {r['rate']:.2f} posts/s per channel "
                    "(projected, not measured).")
    report.heading("2c. Engine alone: `fire_due_notifications` on a storm already due, plain client (no pacing)")
    rows = []
    for kind, r in results.items():
        e = r["engine"]
        rows.append([kind, f"{e['delivered']}/{e['count']}", e["fired"], f"{e['elapsed']:.1f} s",
                     f"{e['count'] / e['elapsed']:.0f}/s", f"{e['elapsed'] / max(e['count'], 1) * 1000:.1f}",
                     e["calls"], e["dupes"]])
    report.table(["database", "delivered", "fired", "total", "notices/s", "ms per notice", "Slack calls",
                  "duplicates"], rows)
