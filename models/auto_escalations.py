"""Automatic escalations, one row per rule and ticket: the claim that makes each rule fire
at most once per ticket, across restarts, replicas and re-planned due times.

``rule`` names what moved the ticket (``workflows/escalation/automatic.py``): ``after``,
``time_in_tier:<tier>``, ``on_breach:<clock>`` (``on_breach:tier_response:<tier>``),
``management`` (the notice), ``end_of_path`` (the one notice that a ticket at the end of
its path stays where it is). :func:`claim_rule` inserts the row in the transaction that
records the effect; a second claim of the same rule finds it there and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore

__all__ = ["AutoEscalation", "claim_rule"]


class AutoEscalation(Base):
    """A rule of the escalation matrix that has fired for a ticket."""

    __tablename__ = "auto_escalations"
    __table_args__ = (UniqueConstraint("ticket_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    #: The tier the ticket moved to; None: it did not move (a notice, or the end of its path).
    to_tier: Mapped[str | None] = mapped_column(String(64))


async def claim_rule(db: AsyncSession, ticket_id: int, rule: str, *, at: datetime, to_tier: str | None = None) -> bool:
    """Claim ``rule`` for the ticket in the caller's transaction; False if it fired before."""
    return await insert_ignore(db, AutoEscalation, {"ticket_id": ticket_id, "rule": rule[:120], "at": at,
                                                    "to_tier": to_tier})
