"""Memory of `supportbot serve` on a loaded database (sections 3e and 5e).

Both databases' bots at once, each on its own seeded database: RSS idle (started, then
left alone for a few seconds), after 10,000 requests (20 concurrent), then a soak at 20
requests a second for ``--soak`` seconds with RSS read every few seconds (the curve).

The requests are a desk's mix, each signed as Slack signs it: `/ticket <text>` (opens
the form; its knowledge-base articles follow in spare time), `/ticket queue`,
`/ticket stats 7d`, App Home opened by a tier's agents, an agent's reply in an open
ticket's thread (a first response: the ticket and its SLA plan change, the card is
re-rendered through the outbox) and, one in 40, a submitted new-ticket form (a ticket
and its card). The commands are spread over 50 reporters and 30 agents as a desk's are:
the bot answers one person's requests in order (``bot/request_order.py``), so a mix
sent as one person (the runs before 2026-12-07: 14 of every 20 requests) measured that
queue, not the bot.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.harness import Context, Proc, rss_mb, start_bot, wait_healthy
from benchmarks.load import Request, fire, slash_requests, submission_request
from benchmarks.measure import JSON, home_opened
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import event_callback_body, message_event

BURST = 10_000
RATE = 20.0
IDLE = 5.0
SUBMIT_EVERY = 40
AGENTS = tuple(f"U0AGENT{i:02d}" for i in range(1, 31))  # benchmarks.seed's assignees; 01-03 are tier members


def _mix(tag: str, count: int, cards: Sequence[dict[str, Any]], view: dict[str, Any] | None,
         ctx: Context) -> list[Request]:
    """``count`` requests of the desk's mix (see the module docstring)."""
    out: list[Request] = []
    for i in range(count):
        kind = i % 20
        key = f"{tag}-{i}"
        if view is not None and i % SUBMIT_EVERY == SUBMIT_EVERY - 1:
            state = view_state(view, {"Summary": f"soak {key}", "Category": "Login problems", "Priority": "P3",
                                      "Customer": "ACME"})
            out.append(submission_request(view, state, user_id=f"U0USER{i % 50:03d}", key=key))
        elif kind < 10:
            out += [Request(r.body, key) for r in slash_requests(key, 1, text="My card payment failed",
                                                                 user_id=f"U0USER{i % 50:03d}")]
        elif kind < 13:
            out += [Request(r.body, key) for r in slash_requests(key, 1, text="queue", channel_id="C0TIER1FL",
                                                                 response_url=ctx.fake.response_url(key),
                                                                 user_id=AGENTS[i % len(AGENTS)])]
        elif kind < 14:
            out += [Request(r.body, key) for r in slash_requests(key, 1, text="stats 7d",
                                                                 response_url=ctx.fake.response_url(key),
                                                                 user_id=AGENTS[i % len(AGENTS)])]
        elif kind < 17:
            out.append(home_opened(AGENTS[i % len(AGENTS)], key))
        else:
            card = cards[i % len(cards)]
            event_ = message_event(card["channel"], "Looking into it now.", user=AGENTS[i % len(AGENTS)],
                                   thread_ts=card["ts"])
            out.append(Request(event_callback_body(event_), key, JSON))
    return out


async def _view(ctx: Context, bot: Proc) -> dict[str, Any] | None:
    await fire(bot.url, slash_requests(f"{bot.name}-form", 1), 1)
    if not await ctx.fake.wait_count("views.open", 1, timeout=10):
        return None
    return await ctx.fake.latest_view()


async def _sample(bots: dict[str, Proc], until: float, every: float, curve: dict[str, list[tuple[float, float]]],
                  started: float) -> None:
    while time.monotonic() < until:
        for kind, bot in bots.items():
            curve[kind].append((time.monotonic() - started, rss_mb(bot.pid)[0]))
        await asyncio.sleep(min(every, max(0.0, until - time.monotonic())))


async def run(ctx: Context, urls: dict[str, str], cards: Sequence[dict[str, Any]], soak: float) -> dict[str, Any]:
    """RSS idle, after ``BURST`` requests, and over a soak of ``soak`` seconds at ``RATE``/s."""
    await ctx.fake.reset()
    await ctx.fake.seed_cards(list(cards))
    bots: dict[str, Proc] = {}
    out: dict[str, Any] = {"soak": soak, "kinds": {}}
    try:
        for kind, url in urls.items():
            bots[kind] = await start_bot(f"memory-{kind}", database_url=url, fake_api_url=ctx.fake.api_url,
                                         workdir=ctx.workdir)
        for bot in bots.values():
            await wait_healthy(bot, timeout=120)
        await asyncio.sleep(IDLE)
        for kind, bot in bots.items():
            out["kinds"][kind] = {"idle": rss_mb(bot.pid)[0]}
        views = {kind: await _view(ctx, bot) for kind, bot in bots.items()}
        burst = {kind: _mix(f"b{kind}", BURST, cards, views[kind], ctx) for kind in bots}
        results = await asyncio.gather(*(fire(bot.url, burst[kind], 20) for kind, bot in bots.items()))
        await asyncio.sleep(IDLE)
        for (kind, bot), result in zip(bots.items(), results, strict=True):
            out["kinds"][kind].update(after=rss_mb(bot.pid)[0], burst_errors=_errors(result.statuses),
                                      burst_rate=result.throughput)
        if soak > 0:
            curve: dict[str, list[tuple[float, float]]] = {kind: [] for kind in bots}
            load = {kind: _mix(f"s{kind}", int(soak * RATE), cards, views[kind], ctx) for kind in bots}
            started = time.monotonic()
            sampler = asyncio.create_task(_sample(bots, started + soak, max(5.0, soak / 40), curve, started))
            soaked = await asyncio.gather(*(fire(bot.url, load[kind], 20, pace=RATE) for kind, bot in bots.items()))
            await sampler
            for (kind, bot), result in zip(bots.items(), soaked, strict=True):
                curve[kind].append((time.monotonic() - started, rss_mb(bot.pid)[0]))
                out["kinds"][kind].update(curve=curve[kind], soak_errors=_errors(result.statuses),
                                          soak_rate=len(load[kind]) / max(result.wall, 1e-9),
                                          peak=rss_mb(bot.pid)[1])
        else:
            for kind, bot in bots.items():
                out["kinds"][kind]["peak"] = rss_mb(bot.pid)[1]
    finally:
        await asyncio.gather(*(bot.stop() for bot in bots.values()))
    return out


def _errors(statuses: dict[Any, int]) -> str:
    """Answers other than 200, by status (or the client's error)."""
    bad = {k: v for k, v in statuses.items() if k != 200}
    return ", ".join(f"{v} x {k}" for k, v in sorted(bad.items(), key=str)) or "0"


def _slope(curve: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over the second half of the soak, MiB a minute."""
    half = curve[len(curve) // 2:]
    if len(half) < 3:
        return float("nan")
    xs, ys = [t / 60 for t, _ in half], [r for _, r in half]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else float("nan")


def report(ctx: Context, number: str, data: dict[str, Any], tickets: str) -> None:
    rep = ctx.report
    soak = data["soak"]
    rep.heading(f"{number}. Memory of `serve` at {tickets} tickets: RSS idle, after {BURST:,} requests, and over "
                f"a {soak / 60:.0f}-minute soak at {RATE:.0f} requests/s (both databases' bots at once; MiB)")
    rows = []
    for kind, k in data["kinds"].items():
        curve = k.get("curve") or []
        start = curve[0][1] if curve else float("nan")
        end = curve[-1][1] if curve else float("nan")
        rows.append([kind, f"{k['idle']:.0f}", f"{k['after']:.0f}", f"{k['burst_rate']:.0f}/s",
                     k["burst_errors"], f"{start:.0f} -> {end:.0f}" if curve else "-",
                     f"{end - start:+.1f}" if curve else "-", f"{_slope(curve):+.2f}" if curve else "-",
                     f"{k.get('soak_rate', float('nan')):.1f}/s" if curve else "-",
                     k.get("soak_errors", "-"), f"{k['peak']:.0f}"])
    rep.table(["database", "idle", f"after {BURST:,}", "burst req/s", "burst errors", "soak start -> end",
               "soak growth", "MiB/min (2nd half)", "soak req/s", "soak errors", "peak"], rows)
    for kind, k in data["kinds"].items():
        curve = k.get("curve") or []
        if curve:
            points = ", ".join(f"{t / 60:.1f}m {r:.0f}" for t, r in curve[::max(1, len(curve) // 20)])
            rep.text(f"{kind} soak curve (minute, RSS MiB): {points}, end {curve[-1][1]:.0f}")
    rep.text("Mix: per 20 requests, 10 `/ticket My card payment failed`, 3 `/ticket queue`, 1 `/ticket stats 7d`, "
             "3 App Home opened by tier agents, 3 agent replies in open tickets' threads (first responses); one "
             f"request in {SUBMIT_EVERY} is a submitted new-ticket form instead. Goal (issue 23): no growth over the soak.")
