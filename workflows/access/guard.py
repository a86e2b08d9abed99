"""The authority check at the start of a workflow, and the ``refused`` row it leaves.

    actor = await roles_of(deps=deps, user_id=actor_id)        # before the transaction
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.CLAIM_TICKET,
                                      ticket=ticket)
        ...                                                    # the change, when allowed

The check runs under the workflow's row lock, before any change, so a decision that
depends on state (the tier an escalation reaches, the incident's commander) sees the
state the change will be made to. A refusal appends a ``refused`` timeline row (who,
what, why), commits it — the transaction holds nothing else yet — and raises
``NotAllowed`` with the "Only … can …" reason, which the error handler shows to the
person privately. Nothing else changes. Roles are resolved before the transaction
(a user group may need a Slack call; no lock is held across it).

A declaration is checked by ``authorize_declaration`` before anything is created (a
refusal is recorded on the timeline of the ticket it comes from, if any).

A page's buttons are checked by ``authorize_page_action``: first the workspace (a click
from another Slack team than the page's ticket or incident is refused, roles or not),
then the matrix; the refusal is recorded on the timeline of the page's subject.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.incident_queries import add_incident_event
from models.incidents import Incident, IncidentEventKind
from models.pages import Page, PageSubjectKind
from models.tickets import Ticket, TicketEvent, TicketEventKind
from workflows.access.authority import ActorRoles, AuthorityContext, Decision, Operation, can
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.errors import NotAllowed

log = logging.getLogger(__name__)

__all__ = ["authorize_declaration", "authorize_incident_action", "authorize_page_action", "authorize_ticket_action",
           "enforce_ticket_decision", "ticket_context"]


def _tiers(config: AppConfig) -> tuple[tuple[str, str], ...]:
    return tuple((tier.id, tier.name) for tier in config.tiers)


def _detail(operation: Operation, decision: Decision, extra: dict[str, Any]) -> dict[str, Any]:
    return {"action": str(operation), "reason": decision.reason, **{k: v for k, v in extra.items() if v}}


async def authorize_ticket_action(db: AsyncSession, *, deps: Deps, actor: ActorRoles, operation: Operation,
                                  ticket: Ticket, to_tier: str | None = None) -> None:
    """Return when ``actor`` may do ``operation`` on ``ticket`` (locked by the caller);
    otherwise record the refusal on the ticket's timeline, commit, raise NotAllowed."""
    if not actor.restricted:
        return
    decision = can(actor, operation, ticket_context(deps.config, ticket, to_tier=to_tier))
    await enforce_ticket_decision(db, deps=deps, actor_id=actor.user_id, action=str(operation), decision=decision,
                                  ticket=ticket, extra={"to_tier": to_tier})


def ticket_context(config: AppConfig, ticket: Ticket, *, to_tier: str | None = None) -> AuthorityContext:
    """What the authority matrix looks at for a change to ``ticket``."""
    return AuthorityContext(tiers=_tiers(config), to_tier=to_tier, reporter_id=ticket.reporter_id)


async def enforce_ticket_decision(db: AsyncSession, *, deps: Deps, actor_id: str, action: str, decision: Decision,
                                  ticket: Ticket, extra: dict[str, Any] | None = None) -> None:
    """Return when ``decision`` allows; otherwise record the refusal of ``action`` by
    ``actor_id`` on the ticket's timeline, commit, raise NotAllowed (the lifecycle's
    transition table decides with the matrix: ``workflows/tickets/transitions.py``)."""
    if decision.allowed:
        return
    detail = {"action": action, "reason": decision.reason, **{k: v for k, v in (extra or {}).items() if v}}
    db.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REFUSED, actor_id=actor_id, at=deps.clock(),
                       detail=detail))
    await db.commit()
    log.info("refused %s on ticket #%s for %s: %s", action, ticket.number, actor_id, decision.reason)
    raise NotAllowed(decision.reason)


async def authorize_incident_action(db: AsyncSession, *, deps: Deps, actor: ActorRoles, operation: Operation,
                                    incident: Incident, new_commander: ActorRoles | None = None,
                                    priority: str | None = None) -> None:
    """Return when ``actor`` may do ``operation`` on ``incident`` (locked by the caller);
    otherwise record the refusal on the incident's timeline, commit, raise NotAllowed.
    ``priority``: the severity a change of severity asks for (raising to P0/P1 has a rule)."""
    if not actor.restricted:
        return
    roles = deps.config.roles
    raised_to = priority if priority is not None and priority < incident.priority else None  # "P0" < "P1" < "P2"
    context = AuthorityContext(
        tiers=_tiers(deps.config), commander_id=incident.commander_id, new_commander=new_commander,
        commander_pool=bool(roles and roles.commanders), comms_id=incident.comms_id, priority=raised_to,
    )
    decision = can(actor, operation, context)
    if decision.allowed:
        return
    add_incident_event(db, incident, IncidentEventKind.REFUSED, actor_id=actor.user_id, at=deps.clock(),
                       detail=_detail(operation, decision,
                                      {"new_commander": new_commander.user_id if new_commander else None}))
    await db.commit()
    log.info("refused %s on incident %s for %s: %s", operation, incident.id, actor.user_id, decision.reason)
    raise NotAllowed(decision.reason)


async def authorize_declaration(*, deps: Deps, actor: ActorRoles, priority: str, ticket_id: int | None) -> None:
    """Return when ``actor`` may declare an incident of ``priority``; otherwise record the
    refusal on the timeline of the ticket it is declared from (if any) and raise NotAllowed.
    Runs before anything is created (there is no incident to record it on)."""
    if not actor.restricted:
        return
    decision = can(actor, Operation.DECLARE_INCIDENT, AuthorityContext(tiers=_tiers(deps.config), priority=priority))
    if decision.allowed:
        return
    if ticket_id is not None:
        async with deps.sessions.begin() as db:
            if await db.get(Ticket, ticket_id) is not None:
                db.add(TicketEvent(ticket_id=ticket_id, kind=TicketEventKind.REFUSED, actor_id=actor.user_id,
                                   at=deps.clock(), detail=_detail(Operation.DECLARE_INCIDENT, decision,
                                                                   {"priority": priority})))
    log.info("refused to declare a %s incident for %s: %s", priority, actor.user_id, decision.reason)
    raise NotAllowed(decision.reason)


_PAGE_VERB = {Operation.ACKNOWLEDGE_PAGE: "acknowledge", Operation.RESOLVE_PAGE: "resolve"}


async def authorize_page_action(db: AsyncSession, *, deps: Deps, actor: ActorRoles, operation: Operation,
                                page_id: int, team_id: str | None) -> None:
    """Return when ``actor``, clicking in Slack workspace ``team_id`` (None: not a click),
    may do ``operation`` on page ``page_id`` (a missing page is left to the caller);
    otherwise record the refusal on the timeline of the page's ticket or incident,
    commit, raise NotAllowed."""
    page = await db.get(Page, page_id)
    if page is None:
        return
    subject: Ticket | Incident | None = await db.get(
        Ticket if page.subject_kind == PageSubjectKind.TICKET else Incident, page.subject_id)
    if subject is None:
        return
    foreign = team_id if team_id is not None and team_id != subject.team_id else None
    if foreign is not None:
        decision = Decision(False, f"Only people in this page's Slack workspace can {_PAGE_VERB[operation]} it.")
    elif not actor.restricted:
        return
    else:
        commander_id = subject.commander_id if isinstance(subject, Incident) else None
        decision = can(actor, operation, AuthorityContext(tiers=_tiers(deps.config), commander_id=commander_id))
        if decision.allowed:
            return
    detail = _detail(operation, decision, {"page_id": page.id, "team_id": foreign})
    now = deps.clock()
    if isinstance(subject, Ticket):
        db.add(TicketEvent(ticket_id=subject.id, kind=TicketEventKind.REFUSED, actor_id=actor.user_id, at=now,
                           detail=detail))
    else:
        add_incident_event(db, subject, IncidentEventKind.REFUSED, actor_id=actor.user_id, at=now, detail=detail)
    await db.commit()
    log.info("refused %s on page %s for %s: %s", operation, page.id, actor.user_id, decision.reason)
    raise NotAllowed(decision.reason)
