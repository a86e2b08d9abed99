"""SLA notifications: one row per effect that must happen exactly once.

A row is the promise "at ``due_at`` do ``kind`` for this ticket". The timer claims it
with a conditional update (``UPDATE ... SET claimed_at = :now WHERE id = :id AND
claimed_at IS NULL RETURNING id``) in the transaction that enqueues its effect, so a
restart or a second replica never doubles or drops it. The unique key
``(ticket_id, kind, due_at)`` lets re-arming (after a priority change, say) insert
rows idempotently.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["SlaNotification", "SlaNotificationKind"]


class SlaNotificationKind(enum.StrEnum):
    """Which SLA effect a notification row stands for (the escalation matrix's timed
    escalations too: ``workflows/escalation/automatic.py``)."""

    FIRST_RESPONSE_WARNING = "first_response_warning"
    FIRST_RESPONSE_BREACH = "first_response_breach"
    RESOLUTION_WARNING = "resolution_warning"
    RESOLUTION_BREACH = "resolution_breach"
    NEXT_RESPONSE_WARNING = "next_response_warning"
    NEXT_RESPONSE_BREACH = "next_response_breach"
    MANAGEMENT_NOTICE = "management_notice"
    TIER_RESPONSE_WARNING = "tier_response_warning"
    TIER_RESPONSE_BREACH = "tier_response_breach"
    ESCALATION_AFTER = "escalation_after"  # escalation.after: still unresolved this long
    ESCALATION_TIME_IN_TIER = "escalation_time_in_tier"  # escalation.time_in_tier: too long in a tier


class SlaNotification(Base):
    """A due SLA effect (warning, breach, management notice), claimed once."""

    __tablename__ = "sla_notifications"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "due_at"),
        # "What is due and unclaimed?" without scanning every claimed row.
        Index("ix_sla_notifications_claimed_at_due_at", "claimed_at", "due_at"),
        # The rows still to fire, in the order the engine picks them (migration 0005).
        Index("ix_sla_notifications_pending_due_at", "due_at", "id",
              postgresql_where=text("claimed_at IS NULL"), sqlite_where=text("claimed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[SlaNotificationKind] = mapped_column(str_enum(SlaNotificationKind))
    due_at: Mapped[datetime] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<SlaNotification ticket={self.ticket_id} {self.kind} due={self.due_at}>"
