"""Acknowledging and resolving pages: from Slack's buttons, from ticket resolution, and
from PagerDuty's webhooks.

Each change is one conditional UPDATE (``WHERE status = 'triggered'`` …) so a double
click or a racing webhook changes a page once; the same statement owes PagerDuty the
matching Events v2 action when it has already heard of the page (``pagerduty_sent``).
When the trigger has not gone out yet, the action waits and is sent as its follow-up
(see ``delivery.py``). Acks go both ways: Slack → PagerDuty, PagerDuty → Slack —
and a change that came from PagerDuty owes it nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from models.deliveries import record_delivery
from models.page_queries import (
    acknowledge_from_pagerduty,
    acknowledge_in_slack,
    get_page,
    open_page_id,
    resolve_from_pagerduty,
    resolve_in_slack,
)
from models.pages import Page, PageSubjectKind
from workflows.access.authority import Operation
from workflows.paging.messages import already_answer
from workflows.button_values import parse_row_id
from workflows.deps import Deps
from workflows.errors import InvalidRequest, NotFound
from workflows.paging.delivery import deliver_page_or_log, sends_pages
from workflows.paging.mirrors import load_page_view, refresh_page_mirrors
from workflows.paging.subjects import add_page_event
from workflows.access.guard import authorize_page_action
from workflows.access.roles import roles_of

log = logging.getLogger(__name__)

__all__ = ["PageClick", "parse_page_id", "acknowledge_page", "resolve_page", "resolve_pages_for_ticket",
           "resolve_pages_for_incident", "record_pagerduty_event"]


@dataclass(frozen=True)
class PageClick:
    """What a click did: ``changed``, or else ``answer`` for the clicker (ephemeral)."""

    page_id: int
    changed: bool
    answer: str | None = None


def parse_page_id(value: object) -> int:
    page_id = parse_row_id(value)
    if page_id is None:
        raise InvalidRequest("That button does not name a page.")
    return page_id


async def _after_change(deps: Deps, page_id: int, also: tuple[str | None, str | None] | None) -> None:
    if sends_pages(deps):
        await deliver_page_or_log(deps=deps, page_id=page_id)
    await refresh_page_mirrors(deps=deps, page_id=page_id, also=also)


async def _unchanged(deps: Deps, page_id: int) -> PageClick:
    async with deps.sessions() as db:
        page = await get_page(db, page_id)
        loaded = await load_page_view(db, page, deps.config) if page else None
    if loaded is None:
        raise NotFound("This page no longer exists.")
    return PageClick(page_id=page_id, changed=False, answer=already_answer(loaded[0]))


async def acknowledge_page(*, deps: Deps, page_id: int, user_id: str, channel_id: str | None = None,
                           message_ts: str | None = None, team_id: str | None = None) -> PageClick:
    """The Acknowledge button: stop re-paging, tell PagerDuty, update every mirror.

    ``channel_id``/``message_ts`` name the clicked message, updated too when it is not
    one of the page's own mirrors (a re-page in a tier channel). A second click changes
    nothing and sends nothing; its ``answer`` says who acknowledged it. ``team_id``: the
    clicker's workspace; the authority matrix is checked first (``authorize_page_action``).
    """
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        await authorize_page_action(db, deps=deps, actor=actor, operation=Operation.ACKNOWLEDGE_PAGE,
                                    page_id=page_id, team_id=team_id)
        changed = await acknowledge_in_slack(db, page_id, user_id=user_id, now=now)
        if changed:
            page = await get_page(db, page_id)
            assert page is not None
            await add_page_event(db, page, acknowledged=True, actor_id=user_id, at=now, detail={"via": "slack"})
    if not changed:
        return await _unchanged(deps, page_id)
    await _after_change(deps, page_id, (channel_id, message_ts))
    return PageClick(page_id=page_id, changed=True)


async def resolve_page(*, deps: Deps, page_id: int, user_id: str | None = None, channel_id: str | None = None,
                       message_ts: str | None = None, team_id: str | None = None) -> PageClick:
    """The Resolve button (and ticket resolution): close the page here and in PagerDuty.
    A click (``user_id``) is checked against the authority matrix first."""
    actor = await roles_of(deps=deps, user_id=user_id) if user_id else None
    now = deps.clock()
    async with deps.sessions.begin() as db:
        if actor is not None:
            await authorize_page_action(db, deps=deps, actor=actor, operation=Operation.RESOLVE_PAGE,
                                        page_id=page_id, team_id=team_id)
        changed = await resolve_in_slack(db, page_id, now=now)
    if not changed:
        return await _unchanged(deps, page_id)
    log.info("page %s resolved by %s", page_id, user_id or "supportbot")
    await _after_change(deps, page_id, (channel_id, message_ts))
    return PageClick(page_id=page_id, changed=True)


async def _resolve_subject(deps: Deps, kind: PageSubjectKind, subject_id: int) -> Page | None:
    async with deps.sessions() as db:
        page_id = await open_page_id(db, kind, subject_id)
    if page_id is None:
        return None
    await resolve_page(deps=deps, page_id=page_id)
    async with deps.sessions() as db:
        return await get_page(db, page_id)


async def resolve_pages_for_ticket(*, deps: Deps, ticket_id: int) -> Page | None:
    """The ticket (its id) was resolved: resolve its open page, if any (after commit)."""
    return await _resolve_subject(deps, PageSubjectKind.TICKET, ticket_id)


async def resolve_pages_for_incident(*, deps: Deps, incident_id: int) -> Page | None:
    return await _resolve_subject(deps, PageSubjectKind.INCIDENT, incident_id)


async def record_pagerduty_event(
    *, deps: Deps, delivery_id: str | None, event_type: str, incident_key: str | None, agent: str | None,
) -> int | None:
    """A PagerDuty v3 webhook: ``incident.acknowledged`` / ``incident.resolved`` for one
    of our dedup keys. Returns the id of the page it changed (its mirrors need a
    re-render), None when it changed nothing: a redelivery (``X-Webhook-Id`` seen
    before), another event type, a key that is not ours, a page already in that state.
    Nothing is owed back to PagerDuty for it.
    """
    now = deps.clock()
    async with deps.sessions.begin() as db:
        if delivery_id and not await record_delivery(db, f"pd:{delivery_id}", now):
            log.info("PagerDuty webhook %s already processed", delivery_id)
            return None
        if not incident_key:
            return None
        if event_type == "incident.acknowledged":
            changed = await acknowledge_from_pagerduty(db, incident_key, now=now)
        elif event_type == "incident.resolved":
            changed = await resolve_from_pagerduty(db, incident_key, now=now)
        else:
            return None
        if changed is None:
            return None
        page = await get_page(db, changed)
        assert page is not None
        if event_type == "incident.acknowledged":
            await add_page_event(db, page, acknowledged=True, actor_id=None, at=now,
                                 detail={"via": "pagerduty", "by": agent})
    log.info("PagerDuty %s for %s", event_type, incident_key)
    return changed
