"""What a page is about: a ticket or an incident, seen the same way by the pager.

``PageSubject`` is everything the Slack mirror and the PagerDuty event need to know of
the ticket or incident; ``load_subject`` reads it from the database. The page's
timeline lives with its subject (ticket or incident events ``paged`` and
``acknowledged``); ``page_history`` reads back what the mirror shows from it: why it
was paged, who was re-paged, who acknowledged it in PagerDuty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.incidents import Incident, IncidentEvent, IncidentEventKind
from models.pages import Page, PageSubjectKind
from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEvent, TicketEventKind

__all__ = ["PRIORITY_SEVERITY", "PageSubject", "PageHistory", "ticket_dedup_key", "incident_dedup_key",
           "ticket_subject", "incident_subject", "load_subject", "add_page_event", "page_history"]

#: Events v2 severity for each priority.
PRIORITY_SEVERITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info"}


def ticket_dedup_key(number: int) -> str:
    return f"supportbot-ticket-{number}"


def incident_dedup_key(incident_id: int) -> str:
    return f"supportbot-incident-{incident_id}"


@dataclass(frozen=True)
class PageSubject:
    """A ticket or incident as the pager sees it. ``summary`` is user text (unescaped)."""

    kind: PageSubjectKind
    id: int
    dedup_key: str
    label: str  # "Ticket #42", "Incident #3"
    priority: str
    summary: str
    permalink: str | None
    war_room: str | None  # the incident's channel id
    tier_channel: str  # where the last re-page asks everyone (@here)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return PRIORITY_SEVERITY.get(self.priority, "error")


def _tier_channel(config: AppConfig, tier_id: str | None) -> str:
    if tier_id:
        try:
            return config.tier(tier_id).channel
        except KeyError:
            pass
    return config.channels.triage


def ticket_subject(ticket: Ticket, config: AppConfig) -> PageSubject:
    details = {"ticket": f"#{ticket.number}", "priority": ticket.priority, "category": ticket.category,
               "tier": ticket.tier or "triage", "customer": ticket.customer, "reporter": ticket.reporter_id,
               "permalink": ticket.permalink}
    return PageSubject(
        kind=PageSubjectKind.TICKET, id=ticket.id, dedup_key=ticket_dedup_key(ticket.number),
        label=f"Ticket #{ticket.number}", priority=ticket.priority, summary=ticket.summary,
        permalink=ticket.permalink, war_room=None, tier_channel=_tier_channel(config, ticket.tier),
        details={k: v for k, v in details.items() if v is not None},
    )


def incident_subject(incident: Incident, config: AppConfig) -> PageSubject:
    details = {"incident": incident.id, "priority": incident.priority,
               "title": None if incident.private else incident.title,
               "war_room": incident.channel_name, "commander": incident.commander_id}
    return PageSubject(
        kind=PageSubjectKind.INCIDENT, id=incident.id, dedup_key=incident_dedup_key(incident.id),
        label=f"Incident #{incident.id}", priority=incident.priority,
        summary="A private incident (details in its war room)" if incident.private else incident.title,
        permalink=None, war_room=incident.channel_id, tier_channel=config.channels.incidents,
        details={k: v for k, v in details.items() if v is not None},
    )


async def load_subject(db: AsyncSession, config: AppConfig, kind: PageSubjectKind,
                       subject_id: int) -> PageSubject | None:
    if kind == PageSubjectKind.TICKET:
        ticket = await db.get(Ticket, subject_id)
        return ticket_subject(ticket, config) if ticket else None
    incident = await db.get(Incident, subject_id)
    return incident_subject(incident, config) if incident else None


async def add_page_event(
    db: AsyncSession, page: Page, *, acknowledged: bool, actor_id: str | None, at: datetime, detail: dict[str, Any],
) -> None:
    """A ``paged`` or ``acknowledged`` row in the subject's timeline (caller's transaction)."""
    detail = {"page_id": page.id, "dedup_key": page.dedup_key, **detail}
    if page.subject_kind == PageSubjectKind.TICKET:
        ticket = await db.get(Ticket, page.subject_id)
        if ticket is not None:
            kind = TicketEventKind.ACKNOWLEDGED if acknowledged else TicketEventKind.PAGED
            add_ticket_event(db, ticket, kind, actor_id=actor_id, at=at, detail=detail)
        return
    kind_i = IncidentEventKind.ACKNOWLEDGED if acknowledged else IncidentEventKind.PAGED
    db.add(IncidentEvent(incident_id=page.subject_id, kind=kind_i, actor_id=actor_id, at=at, detail=detail))


@dataclass(frozen=True)
class Repage:
    level: int
    user_id: str | None
    channel_id: str | None
    at: datetime


@dataclass(frozen=True)
class PageHistory:
    reasons: tuple[str, ...] = ()
    repages: tuple[Repage, ...] = ()
    first_paged: str | None = None  # who the page first went to
    acknowledged_in_pagerduty_by: str | None = None


async def page_history(db: AsyncSession, page: Page) -> PageHistory:
    """Reasons, re-pages and a PagerDuty acknowledger, from this page's timeline rows."""
    if page.subject_kind == PageSubjectKind.TICKET:
        stmt: Any = select(TicketEvent.kind, TicketEvent.at, TicketEvent.detail).where(
            TicketEvent.ticket_id == page.subject_id, TicketEvent.at >= page.triggered_at,
            TicketEvent.kind.in_([TicketEventKind.PAGED, TicketEventKind.ACKNOWLEDGED]),
        ).order_by(TicketEvent.at, TicketEvent.id)
    else:
        stmt = select(IncidentEvent.kind, IncidentEvent.at, IncidentEvent.detail).where(
            IncidentEvent.incident_id == page.subject_id, IncidentEvent.at >= page.triggered_at,
            IncidentEvent.kind.in_([IncidentEventKind.PAGED, IncidentEventKind.ACKNOWLEDGED]),
        ).order_by(IncidentEvent.at, IncidentEvent.id)
    reasons: list[str] = []
    repages: list[Repage] = []
    first_paged = pd_ack = None
    for kind, at, detail in (await db.execute(stmt)).all():
        detail = detail or {}
        if detail.get("page_id") != page.id:
            continue
        if kind in (TicketEventKind.ACKNOWLEDGED, IncidentEventKind.ACKNOWLEDGED):
            if detail.get("via") == "pagerduty":
                pd_ack = str(detail.get("by") or "someone")
        elif detail.get("repage_level"):
            repages.append(Repage(int(detail["repage_level"]), detail.get("user"), detail.get("channel"), at))
        elif detail.get("reason"):
            reasons.append(str(detail["reason"]))
            if first_paged is None and not detail.get("repeat"):
                first_paged = detail.get("user")
    return PageHistory(tuple(reasons), tuple(repages), first_paged, pd_ack)
