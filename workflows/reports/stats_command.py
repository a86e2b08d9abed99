"""`/ticket stats [7d|30d|…] [tier|category] [customer:NAME]`: the support KPIs, answered privately.

    reply = await answer_stats_command(sessions=deps.sessions, config=deps.config, clock=deps.clock,
                                       team_id="T1", text="30d tier2")
    await respond(response_type="ephemeral", **reply)      # reply: text + blocks

The period is a duration (``7d`` unless given; at most a year) before now; the filter is
a tier (its id or name) or a category (its name), in any case, and/or ``customer:NAME``
(the rest of the text: one customer's tickets, in any case, against its plan's targets
when app.yaml knows it). ``text`` may start with the word ``stats`` or not. A filter that
names nothing raises ``InvalidRequest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workflows.policy.desk import Category, Tier
from workflows.policy.schema import AppConfig
from workflows.policy.durations import format_duration, parse_duration
from workflows.reports.messages import build_stats_message, stats_text
from workflows.block_text import cap, escape
from workflows.errors import InvalidRequest
from workflows.ports import Clock
from workflows.reports.metrics import compute_stats, report_targets, report_zone

__all__ = ["DEFAULT_PERIOD", "MAX_PERIOD", "StatsQuery", "answer_stats_command", "parse_stats_query"]

DEFAULT_PERIOD = timedelta(days=7)
MAX_PERIOD = timedelta(days=366)
USAGE = ("Try `/ticket stats`, `/ticket stats 30d`, `/ticket stats 30d tier2`, `/ticket stats 7d Login problems` "
         "or `/ticket stats 30d customer:Acme`.")
CUSTOMER_PREFIX = "customer:"


@dataclass(frozen=True)
class StatsQuery:
    period: timedelta
    tier: Tier | None = None
    category: Category | None = None
    customer: str | None = None


def _period(word: str) -> timedelta | None:
    try:
        return parse_duration(word)
    except ValueError:
        return None


def parse_stats_query(text: str, config: AppConfig) -> StatsQuery:
    """Read the words after `/ticket stats`: an optional period first or last, then a filter."""
    words = text.split()
    if words and words[0].lower() == "stats":
        words = words[1:]
    customer = None
    at = next((i for i, word in enumerate(words) if word.casefold().startswith(CUSTOMER_PREFIX)), None)
    if at is not None:
        customer = " ".join([words[at][len(CUSTOMER_PREFIX):], *words[at + 1:]]).strip()
        words = words[:at]
        if not customer:
            raise InvalidRequest(f"Name the customer after `customer:`. {USAGE}")
        known = config.customer(customer)
        customer = known.name if known else customer
    period = None
    for index in (0, -1):
        if words and (found := _period(words[index])) is not None:
            period, words = found, words[1:] if index == 0 else words[:-1]
            break
    period = period or DEFAULT_PERIOD
    if not timedelta(minutes=1) <= period <= MAX_PERIOD:
        raise InvalidRequest(f"The period must be between 1m and {format_duration(MAX_PERIOD)}. {USAGE}")
    wanted = " ".join(words)
    if not wanted:
        return StatsQuery(period, customer=customer)
    folded = wanted.casefold()
    tier = next((t for t in config.tiers if folded in (t.id.casefold(), t.name.casefold())), None)
    if tier is not None:
        return StatsQuery(period, tier=tier, customer=customer)
    category = config.category(wanted)
    if category is not None:
        return StatsQuery(period, category=category, customer=customer)
    tiers = ", ".join(f"`{t.id}`" for t in config.tiers)
    raise InvalidRequest(f"`{escape(cap(wanted, 60))}` is neither a tier ({tiers}) nor a category. {USAGE}")


async def answer_stats_command(*, sessions: async_sessionmaker[AsyncSession], config: AppConfig, clock: Clock,
                               team_id: str, text: str) -> dict[str, Any]:
    """The ephemeral answer (``text`` and ``blocks``) for the workspace ``team_id``, of
    the period that ends when the session opens (reads only)."""
    query = parse_stats_query(text, config)
    async with sessions() as db:
        now = clock()  # once the session is open, which waits for the person's earlier requests
        stats = await compute_stats(
            db=db, config=config, since=now - query.period, until=now, team_id=team_id,
            tier=query.tier.id if query.tier else None, category=query.category.name if query.category else None,
            customer=query.customer,
        )
    title = f"Support stats: last {format_duration(query.period)}"
    blocks = build_stats_message(stats, report_targets(config), title=title, zone=report_zone(config),
                                 tier_name=query.tier.name if query.tier else None)
    return {"text": stats_text(stats, title=title), "blocks": blocks}
