"""Bulk data for the benchmarks, written straight into a migrated database.

Rows go in with ``executemany`` (SQLite, the stdlib driver, one transaction) or ``COPY``
(Postgres, asyncpg), not through the ORM: 1M timeline rows in seconds. Values are
stored exactly as the app stores them (``UTCDateTime``: UTC, and naive text on SQLite;
enums by value; JSON as text). Due times and SLA plans come from the real
``workflows.sla.targets.due_times`` and ``workflows.sla.plan.plan_notifications``.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from workflows.policy.schema import AppConfig
from models.sla import SlaNotificationKind as Kind
from models.tickets import OPEN_STATUSES, Ticket, TicketEventKind, TicketStatus
from workflows.policy.calendars import calendar_for
from workflows.sla.plan import plan_notifications
from workflows.sla.targets import due_times

TEAM_ID = "T0TEST"  # the fake Slack's workspace, and tests.fakes.slack_requests' default
AGENTS = [f"U0AGENT{i:02d}" for i in range(1, 31)]
PRIORITY_WEIGHTS = {"P0": 2, "P1": 8, "P2": 40, "P3": 50}
TICKET_COLUMNS = (
    "id", "team_id", "number", "summary", "category", "priority", "tier", "status", "reporter_id", "assignee_id",
    "customer", "channel_id", "message_ts", "created_at", "updated_at", "first_response_at", "first_response_by",
    "resolved_at", "resolved_by", "first_response_due_at", "resolution_due_at", "paused_seconds", "reopen_count",
    "escalation_count", "csat_rating", "csat_at", "triaged_at", "closed_at",
)
#: The share of a history's tickets triaged (priority, category or owner set by a person)
#: before anyone worked on them: their waits are `/ticket stats`' time in triage.
TRIAGED_SHARE = 0.6
EVENT_COLUMNS = ("ticket_id", "kind", "actor_id", "at", "detail")
NOTIFICATION_COLUMNS = ("ticket_id", "kind", "due_at", "claimed_at")


@dataclass
class Rows:
    tickets: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict):
        return json.dumps(value)
    if hasattr(value, "value"):  # StrEnum
        return value.value
    return value


def _pg_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    if hasattr(value, "value") and not isinstance(value, datetime):
        return value.value
    return value


async def write(url: str, rows: Rows) -> None:
    """Insert ``rows`` (tickets with explicit ids) and move the counters and sequences on."""
    tables = [("tickets", TICKET_COLUMNS, rows.tickets), ("ticket_events", EVENT_COLUMNS, rows.events),
              ("sla_notifications", NOTIFICATION_COLUMNS, rows.notifications)]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, timeout=60)
        try:
            for name, columns, data in tables:
                sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                conn.executemany(sql, ([_sqlite_value(r.get(c)) for c in columns] for r in data))
            conn.execute("INSERT INTO ticket_counters (team_id, last_number) SELECT team_id, max(number) "
                         "FROM tickets GROUP BY team_id ON CONFLICT (team_id) DO UPDATE "
                         "SET last_number = excluded.last_number")
            conn.commit()
        finally:
            conn.close()
        return
    conn = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async with conn.transaction():
            for name, columns, data in tables:
                await conn.copy_records_to_table(
                    name, records=[tuple(_pg_value(r.get(c)) for c in columns) for r in data], columns=list(columns))
            for name in ("tickets", "ticket_events", "sla_notifications"):
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                   f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)")
            await conn.execute("INSERT INTO ticket_counters (team_id, last_number) SELECT team_id, max(number) "
                               "FROM tickets GROUP BY team_id ON CONFLICT (team_id) DO UPDATE "
                               "SET last_number = excluded.last_number")
        await conn.execute("ANALYZE")  # what autovacuum does on its own after a bulk load
    finally:
        await conn.close()


def _priority(rng: random.Random) -> str:
    return rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]


def _new_ticket(config: AppConfig, rng: random.Random, ticket_id: int, created: datetime,
                priority: str | None = None, category: str | None = None) -> dict[str, Any]:
    priority = priority or _priority(rng)
    category = category or rng.choice(config.categories).name
    tier = config.initial_tier(category)
    due = due_times(created, config=config, priority=priority, category=category, calendar=calendar_for(config))
    return {
        "id": ticket_id, "team_id": TEAM_ID, "number": ticket_id, "summary": f"Seeded ticket {ticket_id}",
        "category": category, "priority": priority, "tier": tier.id if tier else None, "status": TicketStatus.NEW,
        "reporter_id": f"U0USER{rng.randrange(500):03d}", "customer": f"Customer {rng.randrange(200)}",
        "channel_id": config.channel_for_category(category), "message_ts": f"1690000000.{ticket_id:06d}",
        "created_at": created, "updated_at": created, "first_response_due_at": due.first_response,
        "resolution_due_at": due.resolution, "paused_seconds": 0, "reopen_count": 0, "escalation_count": 0,
        "assignee_id": None, "first_response_at": None, "first_response_by": None, "resolved_at": None,
        "resolved_by": None, "csat_rating": None, "csat_at": None, "triaged_at": None,
        "closed_at": None,
    }


def _plan(config: AppConfig, row: dict[str, Any]) -> list[tuple[Kind, datetime]]:
    ticket = Ticket(**{k: v for k, v in row.items() if k in Ticket.__table__.columns})
    return [(p.kind, p.due_at) for p in plan_notifications(ticket, config, calendar_for(config))]


def live_tickets(config: AppConfig, count: int, *, now: datetime, seed: int = 11) -> Rows:
    """``count`` open tickets created in the last minute, each with its real SLA plan
    (the earliest of which is minutes away) and a `created` timeline row."""
    rng = random.Random(seed)
    rows = Rows()
    for ticket_id in range(1, count + 1):
        ticket = _new_ticket(config, rng, ticket_id, now - timedelta(seconds=rng.uniform(0, 60)))
        rows.tickets.append(ticket)
        rows.events.append({"ticket_id": ticket_id, "kind": TicketEventKind.CREATED, "actor_id": ticket["reporter_id"],
                            "at": ticket["created_at"], "detail": {"priority": ticket["priority"]}})
        for kind, due_at in _plan(config, ticket):
            rows.notifications.append({"ticket_id": ticket_id, "kind": kind, "due_at": due_at, "claimed_at": None})
    return rows


def tickets_in(config: AppConfig, categories: Sequence[str], count: int, *, first_id: int, now: datetime,
               priorities: Sequence[str] = ("P2", "P3"), seed: int = 13) -> Rows:
    """``count`` open tickets numbered from ``first_id``, round-robin over ``categories``
    (so over their channels) and ``priorities``, created in the last minute, each with a
    `created` timeline row and no SLA plan: the caller seeds the notifications it wants."""
    rng = random.Random(seed)
    rows = Rows()
    for i in range(count):
        ticket_id = first_id + i
        ticket = _new_ticket(config, rng, ticket_id, now - timedelta(seconds=rng.uniform(0, 60)),
                             priority=priorities[i % len(priorities)], category=categories[i % len(categories)])
        rows.tickets.append(ticket)
        rows.events.append({"ticket_id": ticket_id, "kind": TicketEventKind.CREATED,
                            "actor_id": ticket["reporter_id"], "at": ticket["created_at"],
                            "detail": {"priority": ticket["priority"]}})
    return rows


def cards_of(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The Slack messages of seeded tickets' cards (for the fake, so chat.update finds them)."""
    return [{"channel": t["channel_id"], "ts": t["message_ts"], "text": f"Ticket #{t['number']}"} for t in rows]


# -- history: many tickets, most of them resolved -----------------------------------


def _events(rng: random.Random, t: dict[str, Any], now: datetime, upper_tiers: list[str]) -> list[dict[str, Any]]:
    tid, created = t["id"], t["created_at"]
    end = t["resolved_at"] or now
    span = max((end - created).total_seconds(), 60.0)

    def at(share: float) -> datetime:
        return created + timedelta(seconds=span * share)

    out = [{"ticket_id": tid, "kind": TicketEventKind.CREATED, "actor_id": t["reporter_id"], "at": created,
            "detail": {"priority": t["priority"], "category": t["category"], "tier": t["tier"]}}]
    if t["triaged_at"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.TRIAGED, "actor_id": rng.choice(AGENTS),
                    "at": t["triaged_at"], "detail": {"priority": t["priority"], "category": t["category"],
                                                      "assignee": None, "before": {"priority": t["priority"],
                                                      "category": t["category"], "assignee": None}}})
    if t["assignee_id"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.CLAIMED, "actor_id": t["assignee_id"], "at": at(0.05)})
    if t["first_response_at"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.FIRST_RESPONSE, "actor_id": t["first_response_by"],
                    "at": t["first_response_at"]})
    for _ in range(rng.randint(3, 9)):
        who = t["reporter_id"] if rng.random() < 0.5 else (t["assignee_id"] or rng.choice(AGENTS))
        out.append({"ticket_id": tid, "kind": TicketEventKind.REPLIED, "actor_id": who, "at": at(rng.uniform(0.1, 0.95))})
    if t["escalation_count"] and t["tier"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.ESCALATED, "actor_id": None, "at": at(0.3),
                    "detail": {"from": "tier1", "to": rng.choice(upper_tiers or ["tier2"])}})
    if t["resolved_at"]:
        if t["reopen_count"]:  # resolved, reopened by the reporter, resolved again
            out.append({"ticket_id": tid, "kind": TicketEventKind.RESOLVED, "actor_id": t["resolved_by"],
                        "at": t["resolved_at"] - timedelta(seconds=span * 0.3)})
            out.append({"ticket_id": tid, "kind": TicketEventKind.REOPENED, "actor_id": t["reporter_id"],
                        "at": t["resolved_at"] - timedelta(seconds=span * 0.2)})
        out.append({"ticket_id": tid, "kind": TicketEventKind.RESOLVED, "actor_id": t["resolved_by"],
                    "at": t["resolved_at"]})
    if t["closed_at"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.CLOSED, "actor_id": None, "at": t["closed_at"],
                    "detail": {"resolved_at": t["resolved_at"].isoformat()}})
    if t["csat_rating"]:
        out.append({"ticket_id": tid, "kind": TicketEventKind.RATED, "actor_id": t["reporter_id"],
                    "at": t["csat_at"], "detail": {"rating": t["csat_rating"]}})
    return out


def history(config: AppConfig, count: int, *, now: datetime, days: int = 365, seed: int = 12) -> Rows:
    """``count`` tickets opened over ``days`` (about 10 timeline rows each): most resolved,
    the recent ones partly open. Open tickets get their real SLA plan; what fell due
    before ``now`` + 30 min is stored as already claimed, so nothing fires on startup."""
    rows = Rows()
    for chunk in history_chunks(config, count, now=now, days=days, seed=seed):
        rows.tickets += chunk.tickets
        rows.events += chunk.events
        rows.notifications += chunk.notifications
    return rows


def history_chunks(config: AppConfig, count: int, *, now: datetime, days: int = 365, seed: int = 12,
                   chunk: int = 50_000) -> Iterator[Rows]:
    """:func:`history` in chunks of ``chunk`` tickets (numbered 1..count, each chunk from
    its own random stream), so that a million tickets and ten million timeline rows
    never sit in memory at once (``benchmarks.seed_bulk``)."""
    from workflows.reports.metrics import upper_tiers

    uppers = upper_tiers(config)
    for start in range(1, count + 1, chunk):
        rng = random.Random(seed * 1_000_003 + start)
        rows = Rows()
        for ticket_id in range(start, min(start + chunk, count + 1)):
            t = _history_ticket(config, rng, ticket_id, now, days)
            rows.tickets.append(t)
            rows.events.extend(_events(rng, t, now, uppers))
            rows.notifications.extend(_history_notifications(config, t, now))
        yield rows


def _history_ticket(config: AppConfig, rng: random.Random, ticket_id: int, now: datetime,
                    days: int) -> dict[str, Any]:
    created = now - timedelta(seconds=rng.uniform(0, days * 86400))
    t = _new_ticket(config, rng, ticket_id, created)
    age = (now - created).total_seconds()
    fr_target = (t["first_response_due_at"] - created).total_seconds()
    res_target = (t["resolution_due_at"] - created).total_seconds()
    t["assignee_id"] = rng.choice(AGENTS) if rng.random() < 0.9 else None
    t["status"] = TicketStatus.IN_PROGRESS if t["assignee_id"] else TicketStatus.NEW
    first = created + timedelta(seconds=fr_target * rng.uniform(0.05, 1.4))
    if first < now and rng.random() < 0.95:
        t["first_response_at"], t["first_response_by"] = first, t["assignee_id"] or rng.choice(AGENTS)
    resolved = created + timedelta(seconds=res_target * rng.uniform(0.1, 1.5))
    if resolved < now and t["first_response_at"] and rng.random() < (0.98 if age > 3 * 86400 else 0.5):
        t.update(status=TicketStatus.RESOLVED, resolved_at=max(resolved, first), resolved_by=t["assignee_id"])
        if rng.random() < 0.3:
            t["csat_rating"], t["csat_at"] = rng.randint(1, 5), t["resolved_at"] + timedelta(hours=1)
        t["reopen_count"] = 1 if rng.random() < 0.05 else 0
    t["escalation_count"] = 1 if rng.random() < 0.1 else 0
    if rng.random() < TRIAGED_SHARE:  # within the first 2 % of its life, before its claim at 5 %
        end = t["resolved_at"] or now
        t["triaged_at"] = created + timedelta(seconds=max((end - created).total_seconds(), 60.0) * rng.uniform(0.001, 0.02))
        if t["status"] == TicketStatus.NEW:
            t["status"] = TicketStatus.TRIAGED
    close_after = config.tickets.close_after  # a desk that has run with it: its old tickets closed
    if t["resolved_at"] and close_after is not None and t["resolved_at"] + close_after <= now:
        t.update(status=TicketStatus.CLOSED, closed_at=t["resolved_at"] + close_after)
    t["updated_at"] = t["closed_at"] or t["resolved_at"] or created
    return t


def top_up_open(config: AppConfig, rows: Rows, tier: str, target: int, *, first_id: int, now: datetime,
                seed: int = 14) -> Rows:
    """Live tickets of ``tier``'s categories (real plans, created in the last minute),
    numbered from ``first_id``, enough for ``rows`` plus them to hold ``target`` open
    tickets in ``tier`` (App Home's queue of an agent of that tier)."""
    have = sum(1 for t in rows.tickets if t["status"] in OPEN_STATUSES and t["tier"] == tier)
    categories = [c.name for c in config.categories if c.tier == tier]
    extra = tickets_in(config, categories, max(0, target - have), first_id=first_id, now=now, seed=seed)
    for t in extra.tickets:
        extra.notifications += [{"ticket_id": t["id"], "kind": kind, "due_at": due_at, "claimed_at": None}
                                for kind, due_at in _plan(config, t)]
    return extra


def _history_notifications(config: AppConfig, t: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    settled = now + timedelta(minutes=30)
    if t["status"] in OPEN_STATUSES:
        planned = _plan(config, t)
    else:  # what fired while it was open: the first response warning, and breaches that happened
        planned = [(Kind.FIRST_RESPONSE_WARNING, t["created_at"] + (t["first_response_due_at"] - t["created_at"]) * 0.75)]
        if t["first_response_at"] and t["first_response_at"] > t["first_response_due_at"]:
            planned.append((Kind.FIRST_RESPONSE_BREACH, t["first_response_due_at"]))
        if t["resolved_at"] > t["resolution_due_at"]:
            planned.append((Kind.RESOLUTION_BREACH, t["resolution_due_at"]))
    return [{"ticket_id": t["id"], "kind": kind, "due_at": due_at, "claimed_at": due_at if due_at <= settled else None}
            for kind, due_at in planned]
