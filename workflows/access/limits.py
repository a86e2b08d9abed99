"""Per-person limits on opening tickets and declaring incidents (app.yaml ``limits``).

    await check_ticket_limit(deps=deps, team_id=team_id, user_id=user_id)      # before the form opens
    async with deps.sessions.begin() as db:
        await enforce_ticket_limit(db, config=deps.config, team_id=team_id, user_id=user_id, now=now)
        ...                                                                    # create the ticket

Someone who opened ``limits.tickets_per_minute`` tickets (declared
``limits.incidents_per_minute`` incidents) in the last minute is refused the next one
with ``RateLimited``: the limit, and in how many seconds the oldest of those leaves
the minute and another is allowed. The ``check_*`` functions answer early (``/ticket``
does not open its form, a declaration creates no war room) and take no lock; the
``enforce_*`` ones run in the transaction that creates, after taking the person's lock
row (``models/user_limits.py``), so that two replicas never both let the last one
through. Time is the injected clock's.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.user_limits import LimitedAction, lock_user_action, recent_declarations_of, recent_tickets_of
from workflows.deps import Deps
from workflows.errors import RateLimited

__all__ = ["WINDOW", "check_declaration_limit", "check_ticket_limit", "enforce_declaration_limit",
           "enforce_ticket_limit", "limit_message"]

WINDOW = timedelta(minutes=1)

Recent = Callable[..., Awaitable[list[datetime]]]


@dataclass(frozen=True)
class _Limited:
    action: LimitedAction
    recent: Recent
    verb: str  # "open" / "declare"
    noun: str  # "ticket" / "incident"

    def limit(self, config: AppConfig) -> int | None:
        limits = config.limits
        return limits.tickets_per_minute if self.action == LimitedAction.OPEN_TICKET else limits.incidents_per_minute


_TICKETS = _Limited(LimitedAction.OPEN_TICKET, recent_tickets_of, "open", "ticket")
_INCIDENTS = _Limited(LimitedAction.DECLARE_INCIDENT, recent_declarations_of, "declare", "incident")


def _seconds(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def limit_message(kind: _Limited, limit: int, retry_at: datetime, now: datetime) -> str:
    """"One person can open up to 10 tickets a minute; you can open the next one in 42 seconds."."""
    plural = "s" if limit != 1 else ""
    return (f"One person can {kind.verb} up to {limit} {kind.noun}{plural} a minute, and you have reached that. "
            f"You can {kind.verb} the next one in {_seconds(retry_at - now)}.")


async def _refuse_if_over(db: AsyncSession, kind: _Limited, *, limit: int, team_id: str, user_id: str,
                          now: datetime) -> None:
    times = await kind.recent(db, team_id=team_id, user_id=user_id, since=now - WINDOW, limit=limit)
    if len(times) < limit:
        return
    retry_at = times[limit - 1] + WINDOW  # the oldest of the last ``limit`` leaves the minute
    raise RateLimited(limit_message(kind, limit, retry_at, now), retry_at)


async def _check(kind: _Limited, deps: Deps, team_id: str, user_id: str) -> None:
    limit = kind.limit(deps.config)
    if limit is None:
        return
    async with deps.sessions() as db:
        await _refuse_if_over(db, kind, limit=limit, team_id=team_id, user_id=user_id, now=deps.clock())


async def _enforce(kind: _Limited, db: AsyncSession, config: AppConfig, team_id: str, user_id: str,
                   now: datetime) -> None:
    limit = kind.limit(config)
    if limit is None:
        return
    await lock_user_action(db, team_id=team_id, user_id=user_id, action=kind.action, now=now)
    await _refuse_if_over(db, kind, limit=limit, team_id=team_id, user_id=user_id, now=now)


async def check_ticket_limit(*, deps: Deps, team_id: str, user_id: str) -> None:
    """RateLimited when ``user_id`` may not open another ticket now (no lock; an early answer)."""
    await _check(_TICKETS, deps, team_id, user_id)


async def enforce_ticket_limit(db: AsyncSession, *, config: AppConfig, team_id: str, user_id: str,
                               now: datetime) -> None:
    """In the transaction that opens the ticket: RateLimited when over the limit."""
    await _enforce(_TICKETS, db, config, team_id, user_id, now)


async def check_declaration_limit(*, deps: Deps, team_id: str, user_id: str) -> None:
    """RateLimited when ``user_id`` may not declare another incident now (no lock)."""
    await _check(_INCIDENTS, deps, team_id, user_id)


async def enforce_declaration_limit(db: AsyncSession, *, config: AppConfig, team_id: str, user_id: str,
                                    now: datetime) -> None:
    """In the transaction that stores the incident: RateLimited when over the limit."""
    await _enforce(_INCIDENTS, db, config, team_id, user_id, now)
