"""Incidents (war rooms) and their timeline.

An incident is ``open`` until resolved. Its war room is ``channel_id`` (unique: commands
typed in a channel find their incident by it). The update cadence lives in
``next_update_due_at`` (internal) and ``next_external_update_due_at`` (customer
updates, off when NULL); a reminder is claimed by moving the due time forward with a
conditional update (``WHERE next_update_due_at = :seen``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["Incident", "IncidentEvent", "IncidentEventKind", "IncidentStatus"]


class IncidentStatus(enum.StrEnum):
    """Where an incident is in its life."""

    OPEN = "open"
    RESOLVED = "resolved"


class IncidentEventKind(enum.StrEnum):
    """What an incident timeline row records."""

    DECLARED = "declared"
    COMMANDER_CHANGED = "commander_changed"
    ROLE_ASSIGNED = "role_assigned"
    UPDATE_POSTED = "update_posted"
    EXTERNAL_UPDATE_POSTED = "external_update_posted"  # customers were told (/incident external)
    REMINDER_SENT = "reminder_sent"
    EXTERNAL_REMINDER_SENT = "external_reminder_sent"
    SEVERITY_CHANGED = "severity_changed"
    PAGED = "paged"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    POSTMORTEM_POSTED = "postmortem_posted"
    ACTION_ADDED = "action_added"        # /incident action @owner YYYY-MM-DD text
    ACTION_DONE = "action_done"          # /incident action done N
    POSTMORTEM_OWNER_SET = "postmortem_owner_set"
    POSTMORTEM_DONE = "postmortem_done"
    POSTMORTEM_REMINDED = "postmortem_reminded"
    PINNED = "pinned"                    # a pin_emoji reaction on a war-room message
    STATUSPAGE_SENT = "statuspage_sent"  # the status page took a customer update (or the resolution)
    STATUSPAGE_FAILED = "statuspage_failed"  # it refused one for good (workflows/incidents/statuspage.py)
    ARCHIVED = "archived"                # the war room was archived (incidents.archive_after)
    REFUSED = "refused"


class Incident(Base):
    """A declared incident, its war-room channel, roles and update cadence."""

    __tablename__ = "incidents"
    # Per-user limits: the incidents one person declared in the last minute (``models.user_limits``).
    __table_args__ = (Index("ix_incidents_declared_by_declared_at", "declared_by", "declared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus),
        default=IncidentStatus.OPEN,
        server_default=IncidentStatus.OPEN.value,
        index=True,
    )
    commander_id: Mapped[str] = mapped_column(String(64))
    comms_id: Mapped[str | None] = mapped_column(String(64))

    # The war room, the pinned declaration in it, and the announcement elsewhere.
    channel_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    declaration_ts: Mapped[str | None] = mapped_column(String(32))
    announcement_channel_id: Mapped[str | None] = mapped_column(String(64))
    announcement_ts: Mapped[str | None] = mapped_column(String(32))

    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime]
    last_update_at: Mapped[datetime | None]
    next_update_due_at: Mapped[datetime | None] = mapped_column(index=True)
    last_external_update_at: Mapped[datetime | None]
    next_external_update_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    postmortem_due_at: Mapped[datetime | None]
    # A private war room (`/incident declare --private`, ``incidents.private_categories``):
    # announced without title or details, nothing cross-posted to the incidents channel.
    private: Mapped[bool] = mapped_column(default=False, server_default=false())
    # ``incidents.executives``: the notices sent (claimed once: ``WHERE … IS NULL``).
    executives_notified_at: Mapped[datetime | None]
    executives_resolution_notified_at: Mapped[datetime | None]
    # The post-mortem: its owner (the commander unless named), when it was marked done and
    # where it is, and the last reminder (daily from ``postmortem_due_at`` until done).
    postmortem_owner_id: Mapped[str | None] = mapped_column(String(64))
    postmortem_done_at: Mapped[datetime | None]
    postmortem_url: Mapped[str | None] = mapped_column(Text)
    postmortem_reminded_at: Mapped[datetime | None]
    # ``statuspage``: the incident on the status page, once created (its id and public link).
    statuspage_incident_id: Mapped[str | None] = mapped_column(String(64))
    statuspage_url: Mapped[str | None] = mapped_column(Text)
    # ``incidents.archive_after``: the farewell and the archive owed (claimed once: ``WHERE
    # archive_owed_at IS NULL``), and when Slack archived the channel.
    archive_owed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Incident {self.id} {self.priority} {self.status} {self.title!r}>"


class IncidentEvent(Base):
    """One row of an incident's timeline (the post-mortem is drafted from these)."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_id_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[IncidentEventKind] = mapped_column(str_enum(IncidentEventKind))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[dict[str, Any] | None]

    def __repr__(self) -> str:
        return f"<IncidentEvent incident={self.incident_id} {self.kind} at={self.at}>"
