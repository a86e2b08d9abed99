"""Scheduled reports that were posted: one row per report and period, claimed once.

The unique key ``(kind, period_start)`` is the claim. :func:`claim_report_run` inserts
the row with insert-or-ignore in the transaction that owes the report to the Slack
outbox; only one of two replicas (or a restarted process racing a stale one) gets
True: on Postgres the second insert waits for the first transaction and then finds the
row; on SQLite the second writer waits for the first to commit. The transaction holds
no Slack call: the outbox posts the report after the commit and records its message
(:func:`record_report_message`) and chart (:func:`record_report_chart`) on the row.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, insert_ignore, str_enum

__all__ = ["ReportKind", "ReportRun", "claim_report_run", "get_report_run", "record_report_chart",
           "record_report_message", "report_was_posted"]


class ReportKind(enum.StrEnum):
    """Which scheduled report a row stands for."""

    DAILY = "daily"
    WEEKLY = "weekly"


class ReportRun(Base):
    """A report posted for the period ``[period_start, period_end)``."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    posted_at: Mapped[datetime]
    channel_id: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    file_id: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<ReportRun {self.kind} {self.period_start:%Y-%m-%d %H:%M} ts={self.message_ts}>"


async def report_was_posted(db: AsyncSession, kind: ReportKind, period_start: datetime) -> bool:
    """Whether the report of ``kind`` for the period starting at ``period_start`` exists."""
    stmt = select(ReportRun.id).where(ReportRun.kind == kind, ReportRun.period_start == period_start)
    return (await db.execute(stmt)).first() is not None


async def claim_report_run(db: AsyncSession, *, kind: ReportKind, period_start: datetime,
                           period_end: datetime, channel_id: str, now: datetime) -> bool:
    """Claim the period in the caller's transaction: True for exactly one caller."""
    return await insert_ignore(db, ReportRun, {
        "kind": kind, "period_start": period_start, "period_end": period_end,
        "posted_at": now, "channel_id": channel_id,
    })


async def get_report_run(db: AsyncSession, kind: ReportKind, period_start: datetime) -> ReportRun | None:
    stmt = select(ReportRun).where(ReportRun.kind == kind, ReportRun.period_start == period_start)
    return (await db.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def record_report_message(db: AsyncSession, *, kind: ReportKind, period_start: datetime,
                                message_ts: str | None) -> None:
    """Remember where the claimed report was posted."""
    await db.execute(
        update(ReportRun)
        .where(ReportRun.kind == kind, ReportRun.period_start == period_start)
        .values(message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )


async def record_report_chart(db: AsyncSession, *, kind: ReportKind, period_start: datetime,
                              file_id: str | None) -> None:
    """Remember the chart uploaded into the report's thread."""
    await db.execute(
        update(ReportRun)
        .where(ReportRun.kind == kind, ReportRun.period_start == period_start)
        .values(file_id=file_id)
        .execution_options(synchronize_session=False)
    )
