"""Who is on call, as people changed it in Slack: overrides and swaps, and the on-call timeline.

``oncall_overrides``: one row per span during which someone is primary instead of the
rotation's (or PagerDuty's) person. ``/oncall override`` stores one row, ``/oncall swap``
two (each side takes the other's next turn). Where spans overlap, the newest row wins.
Rows are never edited: the timeline says who set what.

``oncall_events``: the on-call timeline (overrides, swaps, refusals, hand-overs).

``oncall_handovers``: one row per turn (who handed over to whom), each claimed once by
its unique ``previous_id`` (the hand-over it follows; 0 for the first, which only
records who was on call when the bot started watching).

``oncall_snapshots``: what PagerDuty last said about who is on call (one row per source,
``pagerduty``), with its people found in Slack by email, refreshed every few minutes
(``workflows/paging/pagerduty_roster.py``). Pages are decided inside database
transactions, from this row, never by a call to PagerDuty while a row is locked.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["OncallEvent", "OncallEventKind", "OncallHandover", "OncallOverride", "OncallSnapshot", "OverrideKind"]


class OverrideKind(enum.StrEnum):
    OVERRIDE = "override"  # /oncall override @user [from …] until …
    SWAP = "swap"          # one side of /oncall swap @user


class OncallEventKind(enum.StrEnum):
    OVERRIDE_SET = "override_set"
    SWAPPED = "swapped"
    REFUSED = "refused"
    HANDED_OVER = "handed_over"


class OncallOverride(Base):
    """``user_id`` is primary from ``starts_at`` until ``ends_at`` (instead of ``replaces_user_id``)."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_ends_at_starts_at", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OverrideKind] = mapped_column(str_enum(OverrideKind))
    user_id: Mapped[str] = mapped_column(String(64))
    replaces_user_id: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<OncallOverride {self.user_id} {self.starts_at}..{self.ends_at}>"


class OncallEvent(Base):
    """One row of the on-call timeline."""

    __tablename__ = "oncall_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OncallEventKind] = mapped_column(str_enum(OncallEventKind))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[dict[str, Any] | None]

    def __repr__(self) -> str:
        return f"<OncallEvent {self.kind} at={self.at}>"


class OncallSnapshot(Base):
    """The last answer of an on-call source: ``entries`` (``{"entries": [{level, user,
    name, start, end}]}``, ``user`` a Slack id or None) as of ``fetched_at``; ``failed_at``
    later than ``fetched_at``: the source did not answer since."""

    __tablename__ = "oncall_snapshots"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    fetched_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    entries: Mapped[dict[str, Any] | None]

    def __repr__(self) -> str:
        return f"<OncallSnapshot {self.source} fetched={self.fetched_at} failed={self.failed_at}>"


class OncallHandover(Base):
    """A turn: ``from_*`` hand over to ``to_*`` at ``at`` (``announced`` False: the first
    row, nobody handed over). ``usergroup_synced_at``: when ``oncall.usergroup`` was set
    to ``to_*`` (NULL: still owed)."""

    __tablename__ = "oncall_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    previous_id: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(32))
    from_primary: Mapped[str | None] = mapped_column(String(64))
    from_secondary: Mapped[str | None] = mapped_column(String(64))
    to_primary: Mapped[str | None] = mapped_column(String(64))
    to_secondary: Mapped[str | None] = mapped_column(String(64))
    announced: Mapped[bool] = mapped_column(default=False, server_default=false())
    usergroup_synced_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OncallHandover {self.id} {self.from_primary}->{self.to_primary} at={self.at}>"
