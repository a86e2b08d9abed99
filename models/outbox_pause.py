"""A pause of the whole Slack outbox relay, shared by every replica.

When Slack refuses the bot's token (``invalid_auth``, ``token_revoked``…), every
message would be refused alike: instead of trying each one, the relays stop until
``until`` and then try one message first (``workflows/outbox/relay.py``). The pause is
one row, so every replica sees it; ``attempts`` counts the refusals in a row (the
back-off grows with it) and the row is removed by the first message Slack accepts.

``until`` is a retry time of the domain, like an outbox row's ``not_before``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore

__all__ = ["OutboxPause", "RELAY", "pause_relay", "relay_pause", "resume_relay"]

RELAY = "relay"  # the one scope there is: every lane


class OutboxPause(Base):
    __tablename__ = "slack_outbox_pauses"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime]
    until: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)


async def relay_pause(db: AsyncSession) -> OutboxPause | None:
    """The relay's pause, if there is one (its ``until`` may have passed: then one
    message tries first)."""
    return await db.get(OutboxPause, RELAY, populate_existing=True)


async def pause_relay(db: AsyncSession, *, reason: str, now: datetime,
                      delay: Callable[[int], timedelta]) -> OutboxPause:
    """Pause (or pause again) the whole relay, in the caller's transaction: until ``now +
    delay(attempts)``, ``attempts`` counting this refusal. Refusals that arrive while it
    is paused already (other lanes' calls of the same pass) change nothing."""
    await insert_ignore(db, OutboxPause, {"scope": RELAY, "reason": reason[:64], "since": now, "until": now,
                                          "attempts": 0})
    pause = (await db.execute(select(OutboxPause).where(OutboxPause.scope == RELAY).with_for_update()
                              .execution_options(populate_existing=True))).scalar_one()
    if pause.until <= now:  # a new refusal; those of a pass already paused do not lengthen it
        pause.attempts += 1
        pause.reason = reason[:64]
        pause.until = now + delay(pause.attempts)
        await db.flush()
    return pause


async def resume_relay(db: AsyncSession) -> bool:
    """End the pause (Slack accepted a message); True if there was one."""
    result = await db.execute(delete(OutboxPause).where(OutboxPause.scope == RELAY)
                              .execution_options(synchronize_session=False))
    return bool(result.rowcount)
