"""The daily stats rollups (#23) give exactly the figures of the direct queries.

Seeded: two workspaces, six weeks around the end of daylight saving time in the
policy's zone (America/New_York), tickets answered, resolved, reopened and resolved
again (in timeline order and not), escalated to upper tiers and not, rated, waiting,
open ones whose due times are still ahead, and one stamped by a clock running ahead.
Time in triage too: tickets triaged once, twice (the later row first or not), never, or
triaged days back after the build (a new first triage on an earlier day).
The rollups are built by the claimed job (``refresh_stats_rollups``) and every figure
of ``compute_stats`` is compared with the direct path (``use_rollups=False``) for
periods that start mid-day, at local midnight, that end in the past; then again after
changes the built days have not seen (a reopen, a rating, an escalation, a late
resolution, a resolution stamped days back), after the job caught up, after due times
moved without a timeline row (a policy reload, which invalidates the rollups), and
after the clock passed the pending tickets' due times.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.database import make_session_factory
from models.metrics_queries import TicketScope
from models.stats_rollups import StatsRollupDay, StatsRollupPending
from models.tickets import OPEN_STATUSES, Ticket, TicketEvent, TicketEventKind, TicketStatus
from tests.dbutil import migrated_engine, test_database_kind
from tests.fakes.clock import FakeClock
from tests.policies import example_policy
from workflows.deps import Deps
from workflows.reports.days import day_bounds, day_of
from workflows.reports.metrics import compute_stats, report_zone, upper_tiers
from workflows.reports.rolled_stats import rolled_cohort
from workflows.reports.rolled_triage import rolled_time_in_triage
from workflows.reports.rollups import invalidate_stats_rollups, refresh_stats_rollups

NOW = datetime(2026, 11, 20, 15, 37, 12, tzinfo=UTC)
FIRST_RESPONSE = {"P0": timedelta(minutes=15), "P1": timedelta(hours=1), "P2": timedelta(hours=4),
                  "P3": timedelta(hours=24)}
RESOLUTION = {"P0": timedelta(hours=2), "P1": timedelta(hours=8), "P2": timedelta(hours=24),
              "P3": timedelta(days=7)}
UPPER_OR_NOT = ("tier2", "tier3", "tier4")


@pytest.fixture
async def desk() -> AsyncIterator[Deps]:
    async with migrated_engine(test_database_kind()) as engine:
        sessions = make_session_factory(engine)
        config = example_policy()
        await _seed(sessions, config, random.Random(23))
        if engine.dialect.name == "postgresql":  # statistics, as autovacuum gathers: the direct path's plans need them
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
        yield Deps(sessions=sessions, slack=AsyncWebClient(token="xoxb-unused"), config=config,
                   clock=FakeClock(NOW))


def _event(ticket: Ticket, kind: TicketEventKind, at: datetime, **detail: Any) -> TicketEvent:
    return TicketEvent(ticket_id=ticket.id, kind=kind, actor_id="U1", at=at, detail=detail or None)


async def _seed(sessions: async_sessionmaker[AsyncSession], config: Any, rng: random.Random) -> None:
    categories = [c.name for c in config.categories]
    async with sessions.begin() as db:
        tickets, plans = [], []
        for n in range(1, 701):
            created = NOW - timedelta(seconds=rng.uniform(0, 44 * 86400))
            priority = rng.choice(["P0", "P1", "P2", "P2", "P3", "P3"])
            fr_target, res_target = FIRST_RESPONSE[priority], RESOLUTION[priority]
            answered = created + fr_target * rng.uniform(0.05, 1.6) if rng.random() < 0.85 else None
            answered = answered if answered is not None and answered < NOW else None
            resolved = created + res_target * rng.uniform(0.1, 1.5) if rng.random() < 0.8 else None
            resolved = resolved if resolved is not None and resolved < NOW else None
            reopen = resolved is not None and rng.random() < 0.15
            again = resolved + timedelta(hours=rng.uniform(1, 60)) if reopen and rng.random() < 0.7 else None
            again = again if again is not None and again < NOW else None
            final = again if reopen else resolved
            rated = final + timedelta(hours=rng.uniform(1, 80)) if final and rng.random() < 0.4 else None
            rated = rated if rated is not None and rated < NOW else None
            ticket = Ticket(
                team_id="T1" if rng.random() < 0.85 else "T2", number=n, summary=f"t{n}",
                category=rng.choice(categories), priority=priority, tier=rng.choice(["tier1", "tier2", None]),
                reporter_id="U0REPORTER", created_at=created, updated_at=created,
                status=TicketStatus.RESOLVED if final else TicketStatus.IN_PROGRESS,
                first_response_at=answered, resolved_at=final,
                first_response_due_at=created + fr_target if rng.random() < 0.95 else None,
                resolution_due_at=created + res_target if rng.random() < 0.95 else None,
                paused_seconds=rng.choice([0, 0, 0, 600, 7200]),
                waiting_since=created + timedelta(hours=1) if final is None and rng.random() < 0.1 else None,
                reopen_count=1 if reopen else 0, csat_rating=rng.randint(1, 5) if rated else None, csat_at=rated)
            tickets.append(ticket)
            plans.append((answered, resolved, reopen, again, rated))
        # One ticket written by a replica whose clock runs ahead: resolved "in the future".
        ahead = tickets[-1]
        ahead.created_at, ahead.status = NOW - timedelta(days=3), TicketStatus.RESOLVED
        ahead.resolved_at = NOW + timedelta(minutes=10)
        plans[-1] = (None, ahead.resolved_at, False, None, None)
        db.add_all(tickets)
        await db.flush()
        events = []
        for ticket, (answered, resolved, reopen, again, rated) in zip(tickets, plans, strict=True):
            mine = [_event(ticket, TicketEventKind.CREATED, ticket.created_at)]
            if answered:
                mine.append(_event(ticket, TicketEventKind.FIRST_RESPONSE, answered))
            if resolved:
                mine.append(_event(ticket, TicketEventKind.RESOLVED, resolved))
            if reopen:
                mine.append(_event(ticket, TicketEventKind.REOPENED, resolved + timedelta(minutes=30)))
            if again:
                mine.append(_event(ticket, TicketEventKind.RESOLVED, again))
            if rated:
                mine.append(_event(ticket, TicketEventKind.RATED, rated, rating=ticket.csat_rating))
            if rng.random() < 0.2:
                at = ticket.created_at + timedelta(minutes=rng.uniform(-20, 3000))
                if at < NOW:
                    mine.append(_event(ticket, TicketEventKind.ESCALATED, at, **{"from": "tier1",
                                                                                   "to": rng.choice(UPPER_OR_NOT)}))
            triage = random.Random(ticket.id)  # its own stream: the other rows stay as they were
            for _ in range(triage.choice([0, 1, 1, 1, 2])):  # triaged (again), in any order, never, too soon
                at = ticket.created_at + timedelta(minutes=triage.uniform(-5, 4000))
                if at < NOW:
                    mine.append(_event(ticket, TicketEventKind.TRIAGED, at))
            if rng.random() < 0.1:  # rows written in an order that is not their time order
                rng.shuffle(mine)
            events += mine
        db.add_all(events)


async def _build(deps: Deps) -> None:
    for _ in range(20):
        outcome = await refresh_stats_rollups(deps=deps, owner="test", budget=timedelta(minutes=5))
        assert outcome.claimed
        if not outcome.remaining:
            return
    raise AssertionError("the rollups never caught up")


def _periods(now: datetime) -> list[tuple[datetime, datetime, str | None]]:
    zone = example_policy().zone
    midnight = day_bounds(day_of(now, zone) - timedelta(days=12), zone)[0]
    today = day_bounds(day_of(now, zone), zone)[0]
    out = []
    for team in ("T2", None):
        out += [(now - timedelta(days=days), now, team) for days in (1, 7, 13.6, 30, 43.25)]
        out += [(midnight, now, team), (today - timedelta(days=10), today, team),
                (now - timedelta(days=20.4), now - timedelta(days=2.3), team)]
    return out


async def _assert_same(deps: Deps, *, rolled: bool = True) -> None:
    now = deps.clock()
    for since, until, team in _periods(now):
        async with deps.sessions() as db:
            direct = await compute_stats(db=db, config=deps.config, since=since, until=until, team_id=team,
                                         use_rollups=False)
            fast = await compute_stats(db=db, config=deps.config, since=since, until=until, team_id=team)
            used = await rolled_cohort(db, scope=TicketScope(since=since, until=until, team_id=team),
                                       zone=report_zone(deps.config), upper=upper_tiers(deps.config))
            triage = await rolled_time_in_triage(db, since=since, until=until, team_id=team,
                                                 zone=report_zone(deps.config))
        assert fast == direct, (since, until, team)
        if rolled and until - since >= timedelta(days=7):
            assert used is not None and triage is not None, (since, until, team)
            assert triage.count > 0, (since, until, team)


async def _ticket(deps: Deps, where: Any) -> Ticket:
    async with deps.sessions() as db:
        return (await db.execute(select(Ticket).where(*where).order_by(Ticket.id).limit(1))).scalar_one()


async def test_the_rollups_give_the_direct_figures(desk: Deps) -> None:
    await _build(desk)
    async with desk.sessions() as db:
        built = (await db.execute(select(func.count()).select_from(StatsRollupDay))).scalar_one()
        pending = (await db.execute(select(func.count()).select_from(StatsRollupPending))).scalar_one()
    assert built >= 43 and pending > 0
    await _assert_same(desk)


async def test_changes_the_built_days_did_not_see(desk: Deps) -> None:
    await _build(desk)
    old = NOW - timedelta(days=20)
    resolved = await _ticket(desk, [Ticket.status == TicketStatus.RESOLVED, Ticket.created_at < old,
                                    Ticket.csat_rating.is_(None)])
    rated = await _ticket(desk, [Ticket.status == TicketStatus.RESOLVED, Ticket.created_at < old - timedelta(days=3),
                                 Ticket.csat_rating.is_(None), Ticket.id != resolved.id])
    still_open = await _ticket(desk, [Ticket.status.in_(OPEN_STATUSES), Ticket.created_at < old,
                                      Ticket.waiting_since.is_(None)])
    async with desk.sessions.begin() as db:
        await db.execute(update(Ticket).where(Ticket.id == resolved.id).values(
            status=TicketStatus.IN_PROGRESS, resolved_at=None, reopen_count=1))
        await db.execute(update(Ticket).where(Ticket.id == rated.id).values(csat_rating=2, csat_at=NOW))
        await db.execute(update(Ticket).where(Ticket.id == still_open.id).values(
            status=TicketStatus.RESOLVED, resolved_at=NOW - timedelta(minutes=5)))
        db.add_all([_event(resolved, TicketEventKind.REOPENED, NOW), _event(rated, TicketEventKind.RATED, NOW),
                    _event(still_open, TicketEventKind.RESOLVED, NOW - timedelta(minutes=5)),
                    _event(rated, TicketEventKind.ESCALATED, NOW, **{"from": "tier1", "to": "tier3"})])
    await _assert_same(desk)  # the job has not run: those days are read directly
    await _build(desk)
    async with desk.sessions() as db:
        stale = (await db.execute(select(func.count()).select_from(StatsRollupDay)
                                  .where(StatsRollupDay.stale.is_(True)))).scalar_one()
    assert stale == 0
    await _assert_same(desk)


async def test_a_resolution_stamped_days_back(desk: Deps) -> None:
    await _build(desk)
    late = await _ticket(desk, [Ticket.status.in_(OPEN_STATUSES), Ticket.created_at < NOW - timedelta(days=15),
                                Ticket.waiting_since.is_(None)])
    async with desk.sessions.begin() as db:
        at = NOW - timedelta(days=9, hours=5)
        await db.execute(update(Ticket).where(Ticket.id == late.id).values(status=TicketStatus.RESOLVED,
                                                                           resolved_at=at))
        db.add(_event(late, TicketEventKind.RESOLVED, at))
    await _assert_same(desk)
    await _build(desk)
    await _assert_same(desk)


async def test_due_times_moved_by_a_policy_reload(desk: Deps) -> None:
    await _build(desk)
    async with desk.sessions.begin() as db:  # re-targeted open tickets: no timeline row
        for ticket in (await db.execute(select(Ticket).where(Ticket.status.in_(OPEN_STATUSES),
                                                             Ticket.priority == "P2"))).scalars():
            ticket.first_response_due_at = ticket.created_at + timedelta(days=30)
            ticket.resolution_due_at = ticket.created_at + timedelta(days=60)
    await invalidate_stats_rollups(deps=desk)
    await _assert_same(desk, rolled=False)
    await _build(desk)
    await _assert_same(desk)


async def test_the_clock_passing_pending_due_times(desk: Deps) -> None:
    await _build(desk)
    desk.clock.advance(timedelta(days=3, hours=7))
    await _assert_same(desk)
    await _build(desk)
    await _assert_same(desk)


async def test_one_builder_at_a_time(desk: Deps) -> None:
    async with desk.sessions.begin() as db:
        from models.stats_rollup_queries import claim_builder

        assert await claim_builder(db, "other", NOW, timedelta(minutes=2))
    outcome = await refresh_stats_rollups(deps=desk, owner="test")
    assert not outcome.claimed and outcome.built == 0
    desk.clock.advance(timedelta(minutes=3))  # the other's lease ran out
    assert (await refresh_stats_rollups(deps=desk, owner="test", budget=timedelta(minutes=5))).claimed


async def test_running_clocks_are_counted_from_their_due_times(desk: Deps) -> None:
    """An open ticket whose only figure still to change is an SLA clock running towards its
    due time is in its day's rows, its due time a flip the queries count, not a ticket
    they read; the periods ending after some of those due times give the direct figures."""
    from models.stats_rollups import StatsRollupFlip

    await _build(desk)
    async with desk.sessions() as db:
        flips = (await db.execute(select(StatsRollupFlip.ticket_id, StatsRollupFlip.at))).all()
        pending = set((await db.execute(select(StatsRollupPending.ticket_id))).scalars())
    assert flips and not pending & {ticket_id for ticket_id, _ in flips}
    due = sorted(at for _, at in flips)
    desk.clock.set(due[len(due) // 2] + timedelta(seconds=1))  # half of them due, no rebuild
    await _assert_same(desk)


async def test_a_first_triage_stamped_days_back(desk: Deps) -> None:
    """A triage row written after the build, stamped days back, becomes a ticket's first
    triage (moving it off a built day) or the first of an untriaged one."""
    await _build(desk)
    async with desk.sessions() as db:
        # First triaged two local days or more after its opening: that later day is built without it now.
        firsts = (await db.execute(select(TicketEvent.ticket_id, Ticket.created_at, func.min(TicketEvent.at))
                                   .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                                   .where(TicketEvent.kind == TicketEventKind.TRIAGED)
                                   .group_by(TicketEvent.ticket_id, Ticket.created_at)
                                   .order_by(TicketEvent.ticket_id))).all()
        triaged = next(ticket_id for ticket_id, created, first in firsts
                       if first - created > timedelta(days=2) and created < NOW - timedelta(days=9))
        never = (await db.execute(select(Ticket.id).where(~Ticket.id.in_(select(TicketEvent.ticket_id).where(
            TicketEvent.kind == TicketEventKind.TRIAGED)), Ticket.created_at < NOW - timedelta(days=9))
            .order_by(Ticket.id).limit(1))).scalar_one()
    async with desk.sessions.begin() as db:
        for ticket_id in (triaged, never):
            ticket = await db.get(Ticket, ticket_id)
            db.add(_event(ticket, TicketEventKind.TRIAGED, ticket.created_at + timedelta(seconds=90)))
    await _assert_same(desk, rolled=False)
    await _build(desk)
    await _assert_same(desk)
