"""What the lifecycle looks like across tickets, for `/ticket stats` and `supportbot report`:
the backlog counted by state, and how long tickets waited for triage.

    counts = await count_by_state(db, team_id="T1", tier="tier2")     # {TicketStatus.NEW: 4, ...}
    waits = await time_in_triage(db, since=t0, until=t1)              # Percentiles of seconds

The backlog is the tickets as they are now (of a workspace, a tier they sit in, a
category). Time in triage is, for each ticket triaged in ``[since, until)``, the time
from its opening to its (latest) triage; nearest-rank median and 90th percentile, as
``models.metrics_queries`` reads every other duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.metrics_queries import Percentiles
from models.tickets import Ticket, TicketStatus

__all__ = ["count_by_state", "time_in_triage"]


def _scope(team_id: str | None, tier: str | None, category: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if team_id is not None:
        where.append(Ticket.team_id == team_id)
    if tier is not None:
        where.append(Ticket.tier == tier)
    if category is not None:
        where.append(Ticket.category == category)
    return where


async def count_by_state(db: AsyncSession, *, statuses: Sequence[TicketStatus], team_id: str | None = None,
                         tier: str | None = None, category: str | None = None) -> dict[TicketStatus, int]:
    """How many tickets are in each of ``statuses`` now (every one of them a key)."""
    rows = await db.execute(select(Ticket.status, func.count()).where(
        Ticket.status.in_(list(statuses)), *_scope(team_id, tier, category)).group_by(Ticket.status))
    found = {TicketStatus(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in statuses}


async def time_in_triage(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                         tier: str | None = None, category: str | None = None) -> Percentiles:
    """From opening to triage, of the tickets triaged in ``[since, until)``."""
    rows = await db.execute(select(Ticket.created_at, Ticket.triaged_at).where(
        Ticket.triaged_at.is_not(None), Ticket.triaged_at >= since, Ticket.triaged_at < until,
        *_scope(team_id, tier, category)))
    waits = sorted(max(int((triaged - created).total_seconds()), 0) for created, triaged in rows)
    n = len(waits)
    if n == 0:
        return Percentiles(0, None, None)
    return Percentiles(n, waits[(n * 50 + 99) // 100 - 1], waits[(n * 90 + 99) // 100 - 1])
