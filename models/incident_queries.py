"""Incident look-ups, row locks, timeline writes and the reminder claim.

Locks: ``lock=True`` holds the incident's row until commit (``models/locks.py``), so a
concurrent command waits instead of overwriting what we read.

Reminders: ``claim_due_reminder`` moves one incident's due time forward with a
conditional UPDATE (``WHERE <due column> = :seen``) in the caller's transaction, the
same claim as the SLA engine's: of two sweepers only one gets the row back, and a
status update that re-armed the cadence meanwhile makes the claim miss.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_name
from models.incident_actions import IncidentAction
from models.incidents import Incident, IncidentEvent, IncidentEventKind, IncidentStatus
from models.locks import lock_row

__all__ = ["add_incident_event", "incident_events", "get_incident", "get_incident_by_channel",
           "open_incident_for_ticket", "open_incident_channels", "claim_due_reminder", "next_incident_due_at",
           "reminder_column", "incidents_owing_executives", "claim_incident_notice",
           "postmortems_owing_reminders", "claim_postmortem_reminder", "war_rooms_owing_archive"]

#: The two cadences: internal status updates, and customer-facing (external) updates.
_COLUMNS = {False: Incident.next_update_due_at, True: Incident.next_external_update_due_at}


def reminder_column(external: bool) -> Any:
    return _COLUMNS[external]


async def _incident(db: AsyncSession, where: ColumnElement[bool], lock: bool) -> Incident | None:
    if lock:
        return await lock_row(db, Incident, where)
    stmt = select(Incident).where(where).execution_options(populate_existing=True)
    return (await db.execute(stmt)).scalar_one_or_none()


async def get_incident(db: AsyncSession, incident_id: int, *, lock: bool = False) -> Incident | None:
    return await _incident(db, Incident.id == incident_id, lock)


async def get_incident_by_channel(db: AsyncSession, channel_id: str, *, lock: bool = False) -> Incident | None:
    """The incident whose war room is ``channel_id``."""
    return await _incident(db, Incident.channel_id == channel_id, lock)


async def open_incident_for_ticket(db: AsyncSession, ticket_id: int) -> Incident | None:
    stmt = (select(Incident).where(Incident.ticket_id == ticket_id, Incident.status == IncidentStatus.OPEN)
            .order_by(Incident.id.desc()).limit(1))
    return (await db.execute(stmt)).scalar_one_or_none()


async def open_incident_channels(db: AsyncSession, limit: int = 5) -> list[str]:
    """War rooms of open incidents, newest first (to point someone at the right one)."""
    stmt = (select(Incident.channel_id).where(Incident.status == IncidentStatus.OPEN, Incident.channel_id.is_not(None))
            .order_by(Incident.declared_at.desc(), Incident.id.desc()).limit(limit))
    return [c for c in (await db.execute(stmt)).scalars() if c]


def add_incident_event(
    db: AsyncSession, incident: Incident, kind: IncidentEventKind, *, actor_id: str | None, at: datetime,
    detail: dict[str, Any] | None = None,
) -> IncidentEvent:
    """Append a timeline row in the caller's transaction."""
    event = IncidentEvent(incident_id=incident.id, kind=kind, actor_id=actor_id, at=at, detail=detail)
    db.add(event)
    return event


async def incident_events(db: AsyncSession, incident_id: int) -> list[IncidentEvent]:
    stmt = (select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id))
    return list((await db.execute(stmt)).scalars())


NextDue = Callable[[str, datetime], datetime | None]


async def claim_due_reminder(
    db: AsyncSession, *, external: bool, now: datetime, next_due: NextDue,
) -> tuple[Incident, datetime] | None:
    """Claim the most overdue reminder of one cadence: ``(incident, the due time claimed)``.

    ``next_due(priority, seen)`` is where the due time moves (None: no more reminders).
    The incident comes back loaded in the caller's transaction, its due time moved.
    """
    column = reminder_column(external)
    while True:
        pick = (select(Incident.id, Incident.priority, column)
                .where(Incident.status == IncidentStatus.OPEN, column.is_not(None), column <= now)
                .order_by(column, Incident.id).limit(1))
        if dialect_name(db) == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        row = (await db.execute(pick)).first()
        if row is None:
            return None
        incident_id, priority, seen = row
        claimed = (await db.execute(
            update(Incident)
            .where(Incident.id == incident_id, column == seen, Incident.status == IncidentStatus.OPEN)
            .values({column.key: next_due(priority, seen)})
            .returning(Incident.id)
            .execution_options(synchronize_session=False)
        )).scalar_one_or_none()
        if claimed is not None:
            incident = await get_incident(db, claimed)
            assert incident is not None
            return incident, seen


async def next_incident_due_at(db: AsyncSession) -> datetime | None:
    """When the next incident reminder (internal or external) falls due: the timer's wake-up."""
    internal = select(func.min(Incident.next_update_due_at)).where(Incident.status == IncidentStatus.OPEN)
    external = select(func.min(Incident.next_external_update_due_at)).where(Incident.status == IncidentStatus.OPEN)
    times = [(await db.execute(stmt)).scalar_one_or_none() for stmt in (internal, external)]
    present = [t for t in times if t is not None]
    return min(present) if present else None


async def incidents_owing_executives(db: AsyncSession, *, priorities: list[str], declared_before: datetime,
                                     limit: int) -> tuple[list[int], list[int]]:
    """Incidents owed the executives' notice (open, of ``priorities``, declared before
    ``declared_before``, not told yet) and those owed its resolution notice."""
    opened = select(Incident.id).where(
        Incident.status == IncidentStatus.OPEN, Incident.priority.in_(priorities),
        Incident.declared_at <= declared_before, Incident.executives_notified_at.is_(None)).order_by(Incident.id)
    resolved = select(Incident.id).where(
        Incident.status == IncidentStatus.RESOLVED, Incident.executives_notified_at.is_not(None),
        Incident.executives_resolution_notified_at.is_(None)).order_by(Incident.id)
    return (list((await db.execute(opened.limit(limit))).scalars()),
            list((await db.execute(resolved.limit(limit))).scalars()))


async def claim_incident_notice(db: AsyncSession, incident_id: int, column: str, *, now: datetime) -> Incident | None:
    """Set ``column`` (a notice's ``…_at``) to ``now`` if it is still NULL; the incident when
    this caller claimed it (once across replicas), else None."""
    target = getattr(Incident, column)
    claimed = (await db.execute(update(Incident).where(Incident.id == incident_id, target.is_(None))
                                .values({column: now}).returning(Incident.id))).first()
    if claimed is None:
        return None
    return await get_incident(db, incident_id)


async def postmortems_owing_reminders(db: AsyncSession, *, now: datetime, every: Any, give_up: Any,
                                      limit: int) -> list[tuple[int, datetime | None]]:
    """Resolved incidents whose post-mortem is due (less than ``give_up`` ago) and not
    done, not reminded within ``every``: (id, the last reminder seen)."""
    stmt = select(Incident.id, Incident.postmortem_reminded_at).where(
        Incident.status == IncidentStatus.RESOLVED, Incident.postmortem_done_at.is_(None),
        Incident.postmortem_due_at <= now, Incident.postmortem_due_at > now - give_up,
        Incident.archive_owed_at.is_(None),  # an archived war room ends the follow-through's reminders
        (Incident.postmortem_reminded_at.is_(None)) | (Incident.postmortem_reminded_at <= now - every),
    ).order_by(Incident.postmortem_due_at, Incident.id).limit(limit)
    return [(row[0], row[1]) for row in (await db.execute(stmt)).all()]


async def claim_postmortem_reminder(db: AsyncSession, incident_id: int, *, seen: datetime | None,
                                    now: datetime) -> Incident | None:
    """Record the reminder at ``now`` if nobody did since ``seen``; the incident when claimed."""
    last = Incident.postmortem_reminded_at.is_(None) if seen is None else Incident.postmortem_reminded_at == seen
    claimed = (await db.execute(update(Incident).where(Incident.id == incident_id, last,
                                                       Incident.postmortem_done_at.is_(None))
                                .values(postmortem_reminded_at=now).returning(Incident.id))).first()
    return await get_incident(db, incident_id) if claimed else None


async def war_rooms_owing_archive(db: AsyncSession, *, resolved_before: datetime, now: datetime, today: date,
                                  limit: int) -> list[int]:
    """Resolved incidents whose war room is owed its archive (``incidents.archive_after``):
    resolved before ``resolved_before``, not archived yet, the post-mortem done or due by
    ``now`` (or never tracked), and no action item open and due ``today`` or later."""
    waiting = exists().where(IncidentAction.incident_id == Incident.id, IncidentAction.done_at.is_(None),
                             IncidentAction.due_on >= today)
    stmt = select(Incident.id).where(
        Incident.status == IncidentStatus.RESOLVED, Incident.channel_id.is_not(None),
        Incident.archive_owed_at.is_(None), Incident.resolved_at <= resolved_before,
        or_(Incident.postmortem_done_at.is_not(None), Incident.postmortem_due_at.is_(None),
            Incident.postmortem_due_at <= now),
        ~waiting,
    ).order_by(Incident.resolved_at, Incident.id).limit(limit)
    return list((await db.execute(stmt)).scalars())
