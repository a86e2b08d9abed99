"""An incident's action items: the follow-through after the war room (practice 003).

Numbered per incident (``/incident action done 2``). The owner is reminded by DM on the
due day and every day after while the item is open: ``reminded_on`` is the local day of
the last reminder, claimed with a conditional update (``WHERE reminded_on IS NULL OR
reminded_on < :today``), so two replicas remind once a day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

__all__ = ["IncidentAction"]


class IncidentAction(Base):
    __tablename__ = "incident_actions"
    __table_args__ = (
        UniqueConstraint("incident_id", "number"),
        Index("ix_incident_actions_done_at_due_on", "done_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    number: Mapped[int]
    owner_id: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    reminded_on: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<IncidentAction {self.incident_id}.{self.number} {self.owner_id} due {self.due_on}>"
