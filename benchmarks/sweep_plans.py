"""The statements of one deadline sweep, and their query plans (section 2d).

With the bot stopped, on the database of section 2 (100,000 live SLA timers): one
notification made due, then what ``bot.deadline_timer.run_deadline_timers`` runs,
called here: ``fire_due_notifications`` (claim, the ticket's lock, its timeline, the
outbox rows and their delivery), the incident reminders, and the next wake-up
(``next_due_at``, ``next_incident_due_at``); then the same once more with nothing due
(what the 5-second sweep runs almost always). Every distinct statement is EXPLAINed
with the parameters it ran with (Postgres: ``EXPLAIN ANALYZE`` of its generic plan, the
one a prepared statement gets after a few runs, in a rolled-back transaction; SQLite:
``EXPLAIN QUERY PLAN``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from benchmarks import seed
from benchmarks.fake_slack_server import BOT_TOKEN
from benchmarks.measure import clip, explain, filtered_out, one_line, scanned_tables, statements, table_rows
from bot.clock import system_clock
from bot.database import make_engine, make_session_factory
from bot.runtime import OUTBOX_RENDERERS, OUTBOX_STEPS
from models.incident_queries import next_incident_due_at
from models.sla import SlaNotificationKind as Kind
from models.sla_queries import next_due_at
from workflows.deps import Deps
from workflows.incidents.reminders import fire_due_incident_reminders
from workflows.policy.schema import AppConfig
from workflows.sla.engine import fire_due_notifications

VERBS = ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")
#: A table this small is best read whole (Postgres' planner rightly does): not a finding.
SMALL_TABLE = 1_000


async def sweep_plans(url: str, config: AppConfig, ticket_id: int, api_url: str) -> dict[str, Any]:
    """{"statements": [(sql, plan, "yes" or what it reads whole, ms)], "fired": n} of a sweep with one notice due."""
    due = datetime.now(UTC) - timedelta(seconds=1)
    await seed.write(url, seed.Rows(notifications=[
        {"ticket_id": ticket_id, "kind": Kind.RESOLUTION_WARNING, "due_at": due, "claimed_at": None}]))
    engine = make_engine(url)
    deps = Deps(sessions=make_session_factory(engine), slack=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
                config=config, clock=system_clock, outbox_steps=OUTBOX_STEPS, outbox_renderers=OUTBOX_RENDERERS)
    fired: list[int] = []

    async def sweep() -> None:
        fired.append(await fire_due_notifications(deps=deps))
        await fire_due_incident_reminders(deps=deps)
        async with deps.sessions() as db:
            await next_due_at(db)
            await next_incident_due_at(db)

    out: list[tuple[str, str, bool, float]] = []
    try:
        seen: set[str] = set()
        for elapsed, sql, params in await statements(engine, sweep) + await statements(engine, sweep):
            if not sql.lstrip().upper().startswith(VERBS) or sql in seen:
                continue
            seen.add(sql)
            plan = await explain(engine, sql, params, generic=True)
            sizes = await table_rows(engine, scanned_tables(plan))
            verdict = "yes" if not sizes else ", ".join(
                f"{'**no**' if n > SMALL_TABLE else 'reads'} {name} whole ({n:,} rows)" for name, n in sizes.items())
            walked = filtered_out(plan)
            if walked > SMALL_TABLE:
                verdict = f"**no**: an index walked past {walked:,} rows"
            out.append((one_line(sql, 300), clip(plan), verdict, elapsed * 1000))
    finally:
        await engine.dispose()
    return {"statements": out, "fired": sum(fired)}


def report(ctx: Any, number: str, results: dict[str, dict[str, Any]], live: int) -> None:
    rep = ctx.report
    rep.heading(f"{number}. The deadline sweep's statements with {live:,} live timers, and their plans")
    rows = []
    for kind, r in results.items():
        for sql, _plan, indexed, elapsed in r["sweep"]["statements"]:
            rows.append([kind, f"`{one_line(sql, 110)}`", indexed, f"{elapsed:.1f}"])
    rep.table(["database", "statement", f"indexes only (a table of at most {SMALL_TABLE:,} rows may be read whole)",
               "ms (first run)"], rows)
    rep.text("One notification due, then a sweep with nothing due; each distinct statement once. "
             "Plans below (Postgres: EXPLAIN ANALYZE of the generic plan, the one asyncpg's prepared statements "
             "get after a few runs, rolled back; SQLite: EXPLAIN QUERY PLAN).")
    for kind, r in results.items():
        for sql, plan, indexed, _elapsed in r["sweep"]["statements"]:
            rep.text(f"{kind}{'' if '**' not in indexed else ' — **a full scan**'}:\n\n```\n{sql}\n--\n{plan}\n```")
