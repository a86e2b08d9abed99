"""A declaration recorded before its war room exists (``workflows/incidents/declare.py``).

The incident, its timeline and its page are stored first, with the war room's steps
owed to the outbox; the declarer then waits for the first attempt at the channel:

- ``hold_page``: the page is stored with its PagerDuty trigger held back a little
  (``pd_next_attempt_at`` later than now), and its Slack messages owed in the outbox
  likewise (their ``not_before``), so that neither sweep sends them while the first
  attempt is under way; ``release_page`` sends them on their way once the declaration
  stands. If the process stops in between, the hold simply runs out.
- ``withdraw_incident``: Slack refused the war room for good on that first attempt:
  the declaration is undone (incident, timeline, held page and its held messages), as
  if never made.
"""

from __future__ import annotations

from datetime import datetime

from collections.abc import Collection

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident, IncidentEvent
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.pages import Page, PageSubjectKind

__all__ = ["drop_held_page_messages", "hold_page", "release_page", "withdraw_incident"]


def _untried_trigger(page_id: int):
    return (Page.id == page_id, Page.pd_pending_action == "trigger", Page.pd_attempts == 0)


def _page_messages(lanes: Collection[str], *, owed_at: datetime | None = None, held_until: datetime | None = None):
    """The page's Slack messages owed in ``lanes`` at ``owed_at`` (or held until ``held_until``), untried."""
    where = [OutboxMessage.lane.in_(list(lanes)), OutboxMessage.kind == OutboxKind.PAGE,
             OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts == 0]
    if owed_at is not None:
        where.append(OutboxMessage.created_at == owed_at)
    if held_until is not None:
        where.append(OutboxMessage.not_before == held_until)
    return where


async def hold_page(db: AsyncSession, page_id: int, until: datetime, *, lanes: Collection[str] = (),
                    owed_at: datetime | None = None) -> None:
    """Hold back the page's first PagerDuty trigger until ``until`` (if one is owed), and
    its Slack messages owed at ``owed_at`` in the outbox ``lanes``."""
    await db.execute(update(Page).where(*_untried_trigger(page_id)).values(pd_next_attempt_at=until)
                     .execution_options(synchronize_session=False))
    if lanes and owed_at is not None:
        await db.execute(update(OutboxMessage).where(*_page_messages(lanes, owed_at=owed_at))
                         .values(not_before=until).execution_options(synchronize_session=False))


async def release_page(db: AsyncSession, page_id: int, now: datetime, *, lanes: Collection[str] = (),
                       held_until: datetime | None = None) -> None:
    """The held trigger, and the messages held until ``held_until`` in ``lanes``, are due now."""
    await db.execute(update(Page).where(*_untried_trigger(page_id)).values(pd_next_attempt_at=now)
                     .execution_options(synchronize_session=False))
    if lanes and held_until is not None:
        await db.execute(update(OutboxMessage).where(*_page_messages(lanes, held_until=held_until))
                         .values(not_before=now).execution_options(synchronize_session=False))


async def drop_held_page_messages(db: AsyncSession, *, lanes: Collection[str], held_until: datetime) -> None:
    """Forget the page's messages held until ``held_until`` (its declaration is withdrawn)."""
    await db.execute(delete(OutboxMessage).where(*_page_messages(lanes, held_until=held_until))
                     .execution_options(synchronize_session=False))


async def withdraw_incident(db: AsyncSession, incident_id: int) -> None:
    """Delete the incident, its timeline and its page, in the caller's transaction."""
    await db.execute(delete(Page).where(Page.subject_kind == PageSubjectKind.INCIDENT, Page.subject_id == incident_id)
                     .execution_options(synchronize_session=False))
    await db.execute(delete(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                     .execution_options(synchronize_session=False))
    await db.execute(delete(Incident).where(Incident.id == incident_id).execution_options(synchronize_session=False))
