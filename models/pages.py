"""Pages to on-call, their Slack mirrors and their PagerDuty delivery state.

One row per ``dedup_key`` (``supportbot-ticket-<N>``, ``supportbot-incident-<id>``):
the unique key is what keeps a ticket or incident to at most one open page (a partial
unique index would not be portable). A later breach or escalation of a paged subject
updates this row and its mirror instead of triggering again.

Delivery is durable: the row is stored before anything is sent. ``pd_pending_action``
names the Events v2 action still owed to PagerDuty (``trigger``, ``acknowledge``,
``resolve``; NULL when nothing is owed), retried at ``pd_next_attempt_at``.
Slack-only paging re-pages at ``ack_due_at`` while unacknowledged, one
``escalation_level`` further each time (0 primary, 1 secondary, 2 tier channel).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["Page", "PageStatus", "PageSubjectKind"]


class PageStatus(enum.StrEnum):
    """The life of a page, mirrored from (or to) PagerDuty."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class PageSubjectKind(enum.StrEnum):
    """What a page is about."""

    TICKET = "ticket"
    INCIDENT = "incident"


class Page(Base):
    """A page about a ticket or an incident."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_subject_kind_subject_id", "subject_kind", "subject_id"),
        Index("ix_pages_mirror_channel_id_mirror_ts", "mirror_channel_id", "mirror_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    subject_kind: Mapped[PageSubjectKind] = mapped_column(str_enum(PageSubjectKind))
    subject_id: Mapped[int]
    status: Mapped[PageStatus] = mapped_column(
        str_enum(PageStatus), default=PageStatus.TRIGGERED, server_default=PageStatus.TRIGGERED.value
    )
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)

    triggered_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]

    # Slack: the message in the on-call channel and the DM to the person paged.
    mirror_channel_id: Mapped[str | None] = mapped_column(String(64))
    mirror_ts: Mapped[str | None] = mapped_column(String(32))
    dm_channel_id: Mapped[str | None] = mapped_column(String(64))
    dm_ts: Mapped[str | None] = mapped_column(String(32))
    oncall_user_id: Mapped[str | None] = mapped_column(String(64))
    #: Who said ``oncall_user_id`` is on call: ``pagerduty``, ``rotation``, ``rotation_fallback``
    #: (PagerDuty configured but not reachable) or ``override`` (``workflows/paging/roster.py``).
    oncall_source: Mapped[str | None] = mapped_column(String(32))

    # Slack-only paging: re-page when unacknowledged at ack_due_at.
    escalation_level: Mapped[int] = mapped_column(default=0, server_default="0")
    ack_due_at: Mapped[datetime | None] = mapped_column(index=True)

    # PagerDuty Events v2 delivery.
    pagerduty_sent: Mapped[bool] = mapped_column(default=False, server_default=false())
    pd_pending_action: Mapped[str | None] = mapped_column(String(16))
    pd_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    pd_next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    pd_last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Page {self.dedup_key} {self.status}>"
