"""Steps that outbox tests share: owing posts, reading the outbox, running the relay
until nothing is pending, and letting the database's clock pass a lease."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from models.outbox import OutboxMessage, OutboxStatus
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox, owe_post


async def owe(bot, *posts: tuple[str, str]) -> None:
    """Owe ``(channel, text)`` posts, in one transaction, at the bot's clock."""
    async with bot.runtime.sessions.begin() as db:
        for channel, text in posts:
            await owe_post(db, channel=channel, text=text, now=bot.clock())


async def outbox(bot) -> list[OutboxMessage]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def deliver_until_done(bot, *relays: Deps, step: timedelta = timedelta(seconds=5), rounds: int = 40,
                             advance: Callable[[], object] | None = None) -> list[OutboxMessage]:
    """Run the relays (the bot's own when none are given), as their sweep does, moving
    time on by ``step`` (or calling ``advance``) between rounds, until no row is pending;
    the rows then. Fails naming what is still pending."""
    relays = relays or (bot.runtime.deps,)
    for _ in range(rounds):
        for deps in relays:
            await deliver_outbox(deps)
        rows = await outbox(bot)
        if not any(r.status == OutboxStatus.PENDING for r in rows):
            return rows
        advance() if advance is not None else bot.clock.advance(step)
    pending = [(r.id, r.kind, r.attempts, r.last_error) for r in rows if r.status == OutboxStatus.PENDING]
    raise AssertionError(f"the outbox did not drain in {rounds} rounds; still pending: {pending}")


async def expire_leases(sessions) -> int:
    """The database's clock passes every lease held now (leases are taken and compared on
    the database's clock, which a test cannot move): as if their relays had died."""
    async with sessions.begin() as db:
        result = await db.execute(update(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lease_until.is_not(None),
        ).values(lease_until=datetime(2000, 1, 1, tzinfo=UTC)))
        return result.rowcount or 0


def texts(bot, channel: str, prefix: str = "msg ") -> list[str]:
    """What the bot posted to ``channel`` whose text starts with ``prefix``, oldest first."""
    return [m["text"] for m in bot.slack.messages(channel) if m.get("text", "").startswith(prefix)]
