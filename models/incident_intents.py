"""A declaration recorded before its war room exists (``workflows/incidents/declare.py``).

The incident, its timeline and its page are stored first, with the war room's steps
owed to the outbox; the declarer then waits for the first attempt at the channel:

- ``hold_page``: the page is stored with its PagerDuty trigger held back a little
  (``pd_next_attempt_at`` later than now), so that the page sweep does not send it
  while the first attempt is under way; ``release_page`` sends it on its way once the
  declaration stands. If the process stops in between, the hold simply runs out.
- ``withdraw_incident``: Slack refused the war room for good on that first attempt:
  the declaration is undone (incident, timeline, held page), as if never made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident, IncidentEvent
from models.pages import Page, PageSubjectKind

__all__ = ["hold_page", "release_page", "withdraw_incident"]


def _untried_trigger(page_id: int):
    return (Page.id == page_id, Page.pd_pending_action == "trigger", Page.pd_attempts == 0)


async def hold_page(db: AsyncSession, page_id: int, until: datetime) -> None:
    """Hold back the page's first PagerDuty trigger until ``until`` (if one is owed)."""
    await db.execute(update(Page).where(*_untried_trigger(page_id)).values(pd_next_attempt_at=until)
                     .execution_options(synchronize_session=False))


async def release_page(db: AsyncSession, page_id: int, now: datetime) -> None:
    """The held trigger is due now."""
    await db.execute(update(Page).where(*_untried_trigger(page_id)).values(pd_next_attempt_at=now)
                     .execution_options(synchronize_session=False))


async def withdraw_incident(db: AsyncSession, incident_id: int) -> None:
    """Delete the incident, its timeline and its page, in the caller's transaction."""
    await db.execute(delete(Page).where(Page.subject_kind == PageSubjectKind.INCIDENT, Page.subject_id == incident_id)
                     .execution_options(synchronize_session=False))
    await db.execute(delete(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                     .execution_options(synchronize_session=False))
    await db.execute(delete(Incident).where(Incident.id == incident_id).execution_options(synchronize_session=False))
