"""An SLA notice whose transaction meets a transient database error (a deadlock, SQLite's
lock held too long) is tried again by the next sweep, and its breach and page go out;
one that cannot succeed is set aside, so the others go on, and counted on ``/metrics``.

The failures are injected where the driver raises them: a SQLAlchemy event hook raises,
once, the driver's own exception for the breach's timeline row (after the notification
was claimed in that transaction), which SQLAlchemy then wraps as it wraps a real one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import asyncpg
from sqlalchemy import event, select

from bot.deadline_timer import run_deadline_timers
from models.pages import Page
from models.sla import SlaNotification
from tests.integration.test_metrics_endpoint import scrape
from tests.sla_steps import thread_texts, timeline
from tests.ticket_steps import create_ticket


def _sqlite_error(message: str, code: int, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode, error.sqlite_errorname = code, name  # as sqlite3 sets them
    return error


def _postgres_error(dbapi, error: asyncpg.PostgresError, translated: str = "Error") -> Exception:
    """What SQLAlchemy's asyncpg adapter raises for ``error`` (``from error``)."""
    adapted = getattr(dbapi, translated)(str(error), error)
    adapted.__cause__ = error
    return adapted


def deadlock(dialect) -> Exception:
    if dialect.name == "sqlite":
        return _sqlite_error("database is locked", 5, "SQLITE_BUSY")
    return _postgres_error(dialect.loaded_dbapi, asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))


def missing_table(dialect) -> Exception:
    if dialect.name == "sqlite":
        return _sqlite_error("no such table: ticket_events", 1, "SQLITE_ERROR")
    return _postgres_error(dialect.loaded_dbapi, asyncpg.exceptions.UndefinedTableError(
        'relation "ticket_events" does not exist'), "ProgrammingError")


@contextmanager
def fails_once(bot, error: Callable, *, kind: str = "sla_breach") -> Iterator[list[str]]:
    """The first INSERT of a ``kind`` timeline row raises ``error(dialect)``, as its driver would."""
    raised: list[str] = []

    def before(conn, _cursor, statement, parameters, _context, _many):
        if not raised and statement.startswith("INSERT INTO ticket_events") and kind in str(parameters):
            raised.append(statement)
            raise error(conn.dialect)

    engine = bot.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield raised
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def sweep(bot) -> None:
    """The deadline timer's run (``bot/deadline_timer.py``), as the scheduler starts it."""
    await run_deadline_timers(bot.runtime)
    await bot.runtime.drain()


async def notifications(bot) -> list[SlaNotification]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(SlaNotification).order_by(SlaNotification.id))).scalars())


async def pages(bot) -> list[Page]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(Page))).scalars())


async def set_aside_count(bot) -> dict[tuple, float]:
    _, samples = await scrape(bot.url)
    return samples.get("supportbot_sla_notices_set_aside_total", {})


async def test_a_breach_that_meets_a_deadlock_is_sent_by_the_next_sweep_and_pages(bot, clock):
    ticket = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
    clock.advance(timedelta(minutes=45))
    await sweep(bot)  # the warning
    clock.advance(timedelta(minutes=15))
    with fails_once(bot, deadlock) as raised:
        await sweep(bot)
    assert raised
    assert not thread_texts(bot, ticket, "SLA breached") and not await pages(bot)
    breach = [n for n in await notifications(bot) if n.kind == "first_response_breach"]
    assert [n.claimed_at for n in breach] == [None]  # not set aside: still due

    await sweep(bot)  # the next sweep
    assert len(thread_texts(bot, ticket, "SLA breached")) == 1
    assert len(await timeline(bot, ticket, "sla_breach")) == 1
    assert len(await pages(bot)) == 1
    assert await set_aside_count(bot) == {}


async def test_a_notice_that_cannot_succeed_is_set_aside_counted_and_the_others_go_on(bot, clock):
    first = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
    second = await create_ticket(bot, "Refunds down", category="Payment failed", priority="P1")
    clock.advance(timedelta(minutes=45))
    await sweep(bot)
    clock.advance(timedelta(minutes=15))
    with fails_once(bot, missing_table) as raised:
        await sweep(bot)
    assert raised
    assert not thread_texts(bot, first, "SLA breached")  # the one that failed: set aside
    assert len(thread_texts(bot, second, "SLA breached")) == 1  # the other went on
    assert all(n.claimed_at is not None for n in await notifications(bot) if n.kind == "first_response_breach")
    assert await set_aside_count(bot) == {(("kind", "first_response_breach"),): 1.0}
    await sweep(bot)
    assert not thread_texts(bot, first, "SLA breached")
