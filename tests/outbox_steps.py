"""Steps that outbox tests share: owing posts, reading the outbox, letting the
database's clock pass a lease, and scraping the relay's counters."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from models.outbox import OutboxMessage, OutboxStatus
from workflows.outbox.enqueue import owe_post


async def owe(bot, *posts: tuple[str, str]) -> None:
    """Owe ``(channel, text)`` posts, in one transaction, at the bot's clock."""
    async with bot.runtime.sessions.begin() as db:
        for channel, text in posts:
            await owe_post(db, channel=channel, text=text, now=bot.clock())


async def outbox(bot) -> list[OutboxMessage]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


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
