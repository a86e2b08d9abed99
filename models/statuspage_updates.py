"""What the status page (Atlassian Statuspage) is owed about an incident, one row per update.

A row is stored in the transaction of the change that owes it (`/incident external`, the
resolution), so a crash never loses it; ``workflows/incidents/statuspage.py`` sends it.
An incident's rows go out in order: only the oldest one neither sent nor refused
(``sent_at``, ``failed_at``) may be sent (the first one creates the incident there; the
later ones update it). Sending claims the row by moving ``next_attempt_at`` forward a
lease (``attempts`` + 1) with a conditional UPDATE, committed before the call: of two
senders only one gets it; a sender that dies lets the lease run out.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["StatuspageUpdate", "StatuspageUpdateKind"]


class StatuspageUpdateKind(enum.StrEnum):
    UPDATE = "update"    # a customer update: creates the incident there the first time
    RESOLVE = "resolve"  # the resolution: the incident there is resolved, its components operational


class StatuspageUpdate(Base):
    __tablename__ = "statuspage_updates"
    __table_args__ = (Index("ix_statuspage_updates_incident_id_id", "incident_id", "id"),
                      Index("ix_statuspage_updates_next_attempt_at", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[StatuspageUpdateKind] = mapped_column(str_enum(StatuspageUpdateKind))
    body: Mapped[str] = mapped_column(Text)
    #: investigating, identified or monitoring (`/incident external identified …`); None
    #: keeps the status the incident has there (a create says investigating).
    status: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<StatuspageUpdate {self.id} incident={self.incident_id} {self.kind}>"
