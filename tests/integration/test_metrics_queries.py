"""The metrics queries rewritten for speed (issue 11) give exactly what the plain
definitions give, on random timelines: resolutions and reopens in any order of time and
row id, rows after the period, other workspaces, tiers, categories. The references are
the queries as they stood before: one statement per number, the timeline probed ticket
by ticket, percentiles ranked in SQL."""

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
    CohortCounts,
    CohortStats,
    TicketScope,
    Volume,
    _answered,
    _attainment,
    _cohort,
    _event,
    _narrowing,
    cohort_stats,
    epoch_seconds,
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
            rated = resolved + timedelta(hours=rng.randint(1, 72)) if resolved and rng.random() < 0.5 else None
            first_due, resolution_due = (created + timedelta(minutes=rng.randint(1, minutes))
                                         if rng.random() < 0.9 else None for minutes in (2000, 8000))
            tickets.append(Ticket(
                team_id="T1" if rng.random() < 0.85 else "T2", number=n, summary=f"t{n}",
                category=rng.choice(["Login problems", "Payment failed", "Bug report"]),
                priority=rng.choice(["P1", "P2", "P3"]),
                tier=rng.choice(["tier1", "tier2", None]), reporter_id="U1", created_at=created,
                updated_at=created, first_response_at=answered, resolved_at=resolved,
                paused_seconds=rng.choice([0, 0, 60, 3600]), first_response_due_at=first_due,
                resolution_due_at=resolution_due, waiting_since=created if rng.random() < 0.1 else None,
                csat_rating=rng.randint(1, 5) if rated else None, csat_at=rated))
        db.add_all(tickets)
        await db.flush()
        events = []

        def skew() -> timedelta:  # now and then stamped by a replica whose clock is behind
            return timedelta(minutes=rng.choice([0, 0, 0, 0, 5, 30]))

        for ticket in tickets:
            for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):  # resolutions and reopens, in no particular order
                events.append(TicketEvent(ticket_id=ticket.id, kind=rng.choice(KINDS_OF_CHANGE),
                                          at=ticket.created_at + timedelta(hours=rng.randint(0, 24 * 15))
                                          - skew()))
            if rng.random() < 0.3:
                events.append(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ESCALATED,
                                          at=ticket.created_at + timedelta(hours=rng.randint(0, 48)) - skew(),
                                          detail={"from": "tier1", "to": rng.choice(["tier2", "tier3"])}))
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
                            status=TicketStatus.RESOLVED if closed else TicketStatus.NEW,
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


async def test_volume_with_the_count_of_created_given(sessions):
    async with sessions() as db:
        for scope in _scopes():
            counted = await volume(db, scope, from_ticket_state=True)
            assert await volume(db, scope, from_ticket_state=True, created=counted.created) == counted, scope


async def _counts_reference(db: AsyncSession, scope: TicketScope, upper_tiers: list[str]) -> dict[str, CohortCounts]:
    """Per priority, summed in SQL, each ticket's timeline probed once per count."""
    until = scope.until
    fr_met, fr_counted = _attainment(_answered(), Ticket.first_response_due_at, until)
    res_met, res_counted = _attainment(Ticket.resolved_at, Ticket.resolution_due_at, until,
                                       running=Ticket.waiting_since.is_(None))
    high = TicketEvent.detail["to"].as_string().in_(upper_tiers)

    def share(condition):
        return func.sum(case((condition, 1), else_=0))

    rated = (Ticket.csat_rating.is_not(None)) & (Ticket.csat_at < until)
    stmt = select(
        Ticket.priority, func.count(), func.sum(fr_met), func.sum(fr_counted), func.sum(res_met), func.sum(res_counted),
        share(_event(TicketEventKind.ESCALATED, until, high)), share(_event(TicketEventKind.RESOLVED, until)),
        share(_event(TicketEventKind.REOPENED, until)), share(rated),
        func.sum(case((rated, Ticket.csat_rating), else_=0)),
    ).where(*_cohort(scope)).group_by(Ticket.priority)
    return {row[0]: CohortCounts(*(int(v or 0) for v in row[1:])) for row in await db.execute(stmt)}


async def _categories_reference(db: AsyncSession, scope: TicketScope) -> list[tuple[str, int]]:
    n = func.count().label("n")
    stmt = select(Ticket.category, n).where(*_cohort(scope)).group_by(Ticket.category).order_by(n.desc(), Ticket.category)
    return [(name, int(count)) for name, count in await db.execute(stmt)]


async def test_cohort_stats_are_the_definition(sessions):
    upper = ["tier3"]
    async with sessions() as db:
        for scope in _scopes():
            got = await cohort_stats(db, scope, upper_tiers=upper)
            assert got.counts == await _counts_reference(db, scope, upper), scope
            assert got.categories == await _categories_reference(db, scope), scope

            first = epoch_seconds(_answered()) - epoch_seconds(Ticket.created_at)
            expected = await _percentiles_reference(db, first, [*_cohort(scope), _answered() < scope.until])
            assert {k: (p.count, p.median, p.p90) for k, p in got.first_response.items()} == expected, scope
            took = (epoch_seconds(Ticket.resolved_at) - epoch_seconds(Ticket.created_at) - Ticket.paused_seconds)
            expected = await _percentiles_reference(db, took, [*_cohort(scope), Ticket.resolved_at < scope.until])
            assert {k: (p.count, p.median, p.p90) for k, p in got.resolution.items()} == expected, scope

        everything = await cohort_stats(db, _scopes()[-1], upper_tiers=upper)
        total = sum(everything.counts.values(), CohortCounts())
        # the data exercises every count
        assert all(getattr(total, name) > 0 for name in CohortCounts.__dataclass_fields__), total
        assert total.resolved_ever < total.created and total.escalated_high < total.created
        empty = TicketScope(since=T0 - timedelta(days=9), until=T0 - timedelta(days=8))
        assert await cohort_stats(db, empty, upper_tiers=upper) == CohortStats({}, {}, {}, [])


async def test_an_escalation_stamped_a_little_before_its_tickets_creation_still_counts():
    """Replicas' clocks drift: a row may be stamped minutes before its ticket's creation,
    and the period's rows are read from a little before its start (``CLOCK_SKEW``)."""
    created = T0 + timedelta(minutes=1)
    async with migrated_engine(test_database_kind()) as engine:
        sessions = make_session_factory(engine)
        async with sessions.begin() as db:
            ticket = Ticket(team_id="T1", number=1, summary="t", category="Bug report", priority="P1",
                            tier="tier3", reporter_id="U1", created_at=created, updated_at=created)
            db.add(ticket)
            await db.flush()
            db.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ESCALATED, at=created - timedelta(minutes=5),
                               detail={"from": "tier2", "to": "tier3"}))
        async with sessions() as db:
            got = await cohort_stats(db, TicketScope(since=T0, until=T0 + timedelta(days=1)), upper_tiers=["tier3"])
    assert got.counts["P1"].escalated_high == 1
