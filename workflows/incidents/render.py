"""What an incident's messages show besides the incident row: its ticket and its page.

Read in the caller's session; used wherever the declaration or the announcement is
rendered (``workflows/incidents/war_room_steps.py``, when they are first posted and
when they are re-rendered after a change; the post-mortem).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident
from models.page_queries import page_of_subject
from models.pages import PageSubjectKind
from models.tickets import Ticket
from workflows.incidents.messages.posts import TicketRef
from workflows.policy.schema import AppConfig
from workflows.paging.roster import on_duty

__all__ = ["RenderContext", "load_render_context"]


@dataclass(frozen=True)
class RenderContext:
    """What the declaration shows besides the incident row: its ticket and its page."""

    ticket: TicketRef | None
    oncall_id: str | None
    paged: bool


async def load_render_context(db: AsyncSession, config: AppConfig, incident: Incident) -> RenderContext:
    ticket = await db.get(Ticket, incident.ticket_id) if incident.ticket_id else None
    page = await page_of_subject(db, PageSubjectKind.INCIDENT, incident.id)
    oncall = page.oncall_user_id if page and page.oncall_user_id else \
        (await on_duty(db, config, incident.declared_at)).primary
    return RenderContext(ticket=TicketRef(ticket.number, ticket.permalink) if ticket else None,
                         oncall_id=oncall, paged=page is not None)
