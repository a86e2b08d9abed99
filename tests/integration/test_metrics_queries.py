"""The metrics queries rewritten for speed (issue 11) give exactly what the plain
definitions give, on random timelines: resolutions and reopens in any order of time and
row id, rows after the period, other workspaces, tiers, categories."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.database import make_session_factory
from models.metrics_queries import (
    TicketScope,
    Volume,
    _cohort,
    _event,
    _narrowing,
    epoch_seconds,
    first_response_percentiles,
    resolution_percentiles,
    volume,
)
from models.tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus
from tests.dbutil import migrated_engine, test_database_kind

T0 = datetime(2026, 11, 1, tzinfo=UTC)
KINDS_OF_CHANGE = (TicketEventKind.RESOLVED, TicketEventKind.REOPENED)


@pytest.fixture
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_engine(test_database_kind()) as engine:
        factory = make_session_factory(engine)
        await _seed(factory, random.Random(11))
        yield factory


async def _seed(sessions: async_sessionmaker[AsyncSession], rng: random.Random) -> None:
    async with sessions.begin() as db:
        tickets = []
        for n in range(1, 161):
            created = T0 + timedelta(hours=rng.randint(0, 24 * 20))
            answered = created + timedelta(minutes=rng.randint(1, 3000)) if rng.random() < 0.8 else None
            resolved = created + timedelta(minutes=rng.randint(5, 9000)) if rng.random() < 0.7 else None
            tickets.append(Ticket(
                team_id="T1" if rng.random() < 0.85 else "T2", number=n, summary=f"t{n}",
                category=rng.choice(["Login problems", "Payment failed"]), priority=rng.choice(["P1", "P2", "P3"]),
                tier=rng.choice(["tier1", "tier2", None]), reporter_id="U1", created_at=created,
                updated_at=created, first_response_at=answered, resolved_at=resolved,
                paused_seconds=rng.choice([0, 0, 60, 3600])))
        db.add_all(tickets)
        await db.flush()
        events = []
        for ticket in tickets:
            for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):  # resolutions and reopens, in no particular order
                events.append(TicketEvent(ticket_id=ticket.id, kind=rng.choice(KINDS_OF_CHANGE),
                                          at=ticket.created_at + timedelta(hours=rng.randint(0, 24 * 15))))
            if rng.random() < 0.3:
                events.append(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ESCALATED,
                                          at=ticket.created_at + timedelta(hours=rng.randint(0, 48)),
                                          detail={"from": "tier1", "to": "tier2"}))
        rng.shuffle(events)  # row ids need not follow time
        db.add_all(events)


async def _seed_as_the_bot_writes(sessions: async_sessionmaker[AsyncSession], rng: random.Random) -> None:
    """Timelines as the bot keeps them: resolve and reopen alternate in time and row id,
    and the ticket's status and ``updated_at`` follow its last change."""
    async with sessions.begin() as db:
        for n in range(1, 161):
            created = T0 + timedelta(hours=rng.randint(0, 24 * 20))
            at, changes = created, []
            for i in range(rng.choice([0, 1, 1, 2, 3, 4])):
                at += timedelta(hours=rng.randint(1, 24 * 4))
                changes.append((KINDS_OF_CHANGE[i % 2], at))
            closed = bool(changes) and changes[-1][0] == TicketEventKind.RESOLVED
            ticket = Ticket(team_id="T1" if rng.random() < 0.85 else "T2", number=n, summary=f"t{n}",
                            category=rng.choice(["Login problems", "Payment failed"]), priority="P2",
                            tier=rng.choice(["tier1", "tier2"]), reporter_id="U1", created_at=created, updated_at=at,
                            status=TicketStatus.RESOLVED if closed else TicketStatus.OPEN,
                            resolved_at=at if closed else None, paused_seconds=0)
            db.add(ticket)
            await db.flush()
            for kind, when in changes:
                db.add(TicketEvent(ticket_id=ticket.id, kind=kind, at=when))
                await db.flush()  # row ids follow time, as when the bot writes them


async def test_volume_from_ticket_state_is_the_definition_for_what_the_bot_wrote():
    async with migrated_engine(test_database_kind()) as engine:
        factory = make_session_factory(engine)
        await _seed_as_the_bot_writes(factory, random.Random(7))
        async with factory() as db:
            for scope in _scopes():
                fast = await volume(db, scope, from_ticket_state=True)
                assert fast == await volume(db, scope) == await _volume_reference(db, scope), scope
            assert 0 < (await volume(db, _scopes()[-1], from_ticket_state=True)).open < 160


async def _volume_reference(db: AsyncSession, scope: TicketScope) -> Volume:
    """The definition, as the query stood before issue 11: one probe of each ticket's timeline."""
    narrowing = _narrowing(scope)
    count = select(func.count()).select_from(Ticket)
    created = count.where(*_cohort(scope))
    resolved = count.where(
        _event(TicketEventKind.RESOLVED, scope.until, TicketEvent.at >= scope.since), *narrowing)
    resolution, reopen = aliased(TicketEvent), aliased(TicketEvent)
    reopened_after = (select(reopen.id).where(
        reopen.ticket_id == resolution.ticket_id, reopen.kind == TicketEventKind.REOPENED,
        reopen.id > resolution.id, reopen.at < scope.until).exists())
    closed = (select(resolution.id).where(
        resolution.ticket_id == Ticket.id, resolution.kind == TicketEventKind.RESOLVED,
        resolution.at < scope.until, ~reopened_after).exists())
    still_open = count.where(Ticket.created_at < scope.until, ~closed, *narrowing)
    return Volume(*[int((await db.execute(stmt)).scalar_one()) for stmt in (created, resolved, still_open)])


async def _percentiles_reference(db: AsyncSession, duration, conditions) -> dict:
    """Nearest-rank median and p90, one statement per partition (as before issue 11)."""
    result = {}
    for by_priority in (True, False):
        partition = [Ticket.priority] if by_priority else None
        inner = select(
            (Ticket.priority if by_priority else literal("*")).label("priority"), duration.label("d"),
            func.row_number().over(partition_by=partition, order_by=duration).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        ).where(*conditions).subquery()

        def at(percent: int):
            return func.max(case((inner.c.rn == (inner.c.n * percent + 99) // 100, inner.c.d)))

        stmt = select(inner.c.priority, func.max(inner.c.n), at(50), at(90)).group_by(inner.c.priority)
        for priority, n, median, p90 in await db.execute(stmt):
            result[priority if by_priority else None] = (n, median, p90)
    return result


def _scopes() -> list[TicketScope]:
    scopes = []
    for days in (3, 8, 14, 21, 40):
        until = T0 + timedelta(days=days, hours=5)
        for since in (until - timedelta(days=3), T0 - timedelta(days=1)):
            scopes += [TicketScope(since=since, until=until), TicketScope(since=since, until=until, team_id="T1"),
                       TicketScope(since=since, until=until, team_id="T1", tier="tier2"),
                       TicketScope(since=since, until=until, category="Payment failed")]
    return scopes


async def test_volume_is_the_definition(sessions):
    async with sessions() as db:
        for scope in _scopes():
            assert await volume(db, scope) == await _volume_reference(db, scope), scope
        assert (await volume(db, _scopes()[-1])).open > 0  # the data has open tickets, and closed ones
        assert (await volume(db, _scopes()[-1])).resolved > 0


async def test_percentiles_are_the_definition(sessions):
    async with sessions() as db:
        for scope in _scopes():
            first = epoch_seconds(func.coalesce(Ticket.first_response_at, Ticket.resolved_at)) - \
                epoch_seconds(Ticket.created_at)
            answered = func.coalesce(Ticket.first_response_at, Ticket.resolved_at) < scope.until
            expected = await _percentiles_reference(db, first, [*_cohort(scope), answered])
            got = await first_response_percentiles(db, scope)
            assert {k: (p.count, p.median, p.p90) for k, p in got.items()} == expected, scope
            took = (epoch_seconds(Ticket.resolved_at) - epoch_seconds(Ticket.created_at) - Ticket.paused_seconds)
            expected = await _percentiles_reference(db, took, [*_cohort(scope), Ticket.resolved_at < scope.until])
            got = await resolution_percentiles(db, scope)
            assert {k: (p.count, p.median, p.p90) for k, p in got.items()} == expected, scope
