"""A ticket's life after it is opened: claim, resolve, reopen, and the reporter's rating.

Each workflow makes its change in one transaction that holds the ticket's row
(``workflows.tickets.locks.lock_ticket``), writes the timeline row (actor and time),
commits, and only then talks to Slack: the card is re-rendered from state, the thread
gets a note, the reporter a survey. Slack failures are logged there and do not undo the
change. Resolving also ends a wait on the customer and a running next-response clock.

Double clicks and replicas: the decision is taken under the row lock, so two clicks are
serialised and the second sees the first one's result. It then changes nothing and
either says so (``TicketChange.notice``: "You already have #3.") or raises a domain error
(``workflows/errors.py``) that the app's error handler answers privately. The rating is
also written with a conditional ``UPDATE ... WHERE csat_rating IS NULL``: stored once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.tickets.ids import TicketBlock
from models.ticket_queries import add_ticket_event, get_ticket
from models.tickets import Ticket, TicketEventKind
from workflows.tickets.messages.csat import (
    build_csat_survey_message,
    build_csat_thanks_message,
    csat_survey_text,
    csat_thanks_text,
)
from workflows.tickets.customer_thread import owe_to_customer
from workflows.tickets.messages.customer import customer_resolution_blocks, customer_resolution_text
from workflows.tickets.messages.resolution import (
    build_resolution_summary_message,
    resolution_summary_text,
)
from workflows.tickets.messages.resolve_form import (
    ResolutionForm,
    build_resolve_modal,
    validate_resolve_form,
)
from workflows.block_text import user
from workflows.policy.schema import AppConfig
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.deps import Deps
from workflows.errors import InvalidRequest, NotAllowed
from workflows.kb.drafts import draft_kb_article
from workflows.outbox.enqueue import deliver_outbox, owe_card_update, owe_post, owe_thread_post
from workflows.access.roles import roles_of
from workflows.sla.pauses import paused_seconds
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import due_times
from workflows.tickets.locks import TicketGone, lock_ticket
from workflows.tickets.notices import owe_resolution_notices
from workflows.tickets.states import Event, Transition, allows, refusal, transition_for
from workflows.tickets.transitions import check_event, enter

log = logging.getLogger(__name__)

__all__ = [
    "TicketChange",
    "claim_ticket",
    "rate_ticket",
    "reopen_ticket",
    "reopen_ticket_by_number",
    "resolve_ticket",
    "show_resolve_modal",
    "update_clicked_message",
    "validate_resolution",
]


@dataclass(frozen=True)
class TicketChange:
    """What a click did: the ticket as it is now, whether it changed, and a private note
    for the person who clicked (None: nothing to say beyond the visible change)."""

    ticket: Ticket
    changed: bool
    notice: str | None = None


# -- claim --------------------------------------------------------------------------


async def claim_ticket(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str) -> TicketChange:
    """Assign the ticket to ``actor_id``, taking it over from whoever held it."""
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.CLAIM, ticket=ticket)
        if ticket.assignee_id == actor_id:
            return TicketChange(ticket, changed=False, notice=f"You already have #{ticket.number}.")
        previous = ticket.assignee_id
        ticket.assignee_id = actor_id
        now = deps.clock()
        enter(db, ticket, transition, actor_id=actor_id, now=now,
              detail={"previous_assignee": previous} if previous else None)
        took_over = f"took over #{ticket.number} from {user(previous)}" if previous else f"claimed #{ticket.number}"
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=f"{user(actor_id)} {took_over}.", now=now)
    await deliver_outbox(deps)
    return TicketChange(ticket, changed=True)


# -- resolve ------------------------------------------------------------------------


async def show_resolve_modal(*, deps: Deps, team_id: str, ticket_id: int, trigger_id: str,
                             actor_id: str | None = None) -> None:
    """Open the Resolve modal (views.open) for an open ticket, inside the trigger's life."""
    actor = await roles_of(deps=deps, user_id=actor_id) if actor_id else None
    async with deps.sessions.begin() as db:
        ticket = await get_ticket(db, ticket_id)
        if ticket is None or ticket.team_id != team_id:
            raise TicketGone()
        if actor is not None:
            await check_event(db, deps=deps, actor=actor, event=Event.RESOLVE, ticket=ticket)
        else:
            transition_for(Event.RESOLVE, ticket.status, number=ticket.number)
    # direct: the trigger_id expires 3 s after the click
    await deps.slack.views_open(trigger_id=trigger_id, view=build_resolve_modal(
        ticket, knowledge_base=deps.config.knowledge_base is not None))


async def validate_resolution(*, deps: Deps, team_id: str, ticket_id: int | None,
                              form: ResolutionForm) -> dict[str, str]:
    """Field errors for a Resolve submission (keyed by block_id), before it is acked:
    the form's own checks, then whether the ticket can still be resolved."""
    errors = validate_resolve_form(form)
    if errors:
        return errors
    async with deps.sessions() as db:
        ticket = await get_ticket(db, ticket_id) if ticket_id is not None else None
    if ticket is None or ticket.team_id != team_id:
        return {str(TicketBlock.RESOLUTION): "This ticket no longer exists."}
    if not allows(Event.RESOLVE, ticket.status):
        return {str(TicketBlock.RESOLUTION): refusal(Event.RESOLVE, ticket.status, ticket.number)}
    return {}


async def resolve_ticket(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str,
                         form: ResolutionForm) -> Ticket:
    """Mark the ticket resolved, re-render its card, post the summary in its thread and
    DM the reporter the satisfaction survey (not when they resolved it themselves, nor
    when they already rated it before a reopen). A ticket whose conversation is a
    customer's thread gets the resolution (not its root cause or follow-up) and the
    survey there instead of a DM."""
    errors = validate_resolve_form(form)
    if errors:  # validate_resolution runs first; this guards other callers
        raise InvalidRequest(next(iter(errors.values())))
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.RESOLVE, ticket=ticket)
        now = deps.clock()
        ticket.resolved_at, ticket.resolved_by = now, actor_id
        ticket.resolution, ticket.root_cause, ticket.follow_up = form.resolution, form.root_cause, form.follow_up
        if ticket.waiting_since is not None:  # no longer waiting: the pause ends with the ticket
            ticket.paused_seconds = (ticket.paused_seconds or 0) + paused_seconds(ticket.waiting_since, now)
            ticket.waiting_since = None
        ticket.next_response_due_at = None
        ticket.tier_response_due_at = None  # whoever resolved it answered for the tier
        enter(db, ticket, transition, actor_id=actor_id, now=now, detail={
            "resolution": form.resolution, "root_cause": form.root_cause, "follow_up": form.follow_up,
        })
        await schedule_ticket_sla(db, ticket, deps.config)  # resolution stops every clock
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=resolution_summary_text(ticket), now=now,
                              blocks=build_resolution_summary_message(ticket))
        await owe_resolution_notices(db, ticket, config=deps.config, now=now)  # messages.resolved, watchers
        survey = ticket.reporter_id != actor_id and ticket.csat_rating is None
        if ticket.customer_thread:  # the customer hears it in their thread, survey included
            if not deps.config.messages.resolved:  # no template (it went there already): the built-in note
                await owe_to_customer(db, ticket, text=customer_resolution_text(ticket), now=now,
                                      blocks=customer_resolution_blocks(ticket))
            if survey:
                await owe_to_customer(db, ticket, text=csat_survey_text(ticket), now=now,
                                      blocks=build_csat_survey_message(ticket))
        elif survey:  # the survey, by DM
            await owe_post(db, channel=ticket.reporter_id, text=csat_survey_text(ticket), now=now,
                           blocks=build_csat_survey_message(ticket))
    await deliver_outbox(deps)
    if form.add_to_kb:  # "Add to knowledge base": a draft article, and where it is, in the thread
        await draft_kb_article(deps=deps, ticket=ticket)
    return ticket


# -- reopen -------------------------------------------------------------------------


async def reopen_ticket(*, deps: Deps, team_id: str, ticket_id: int, actor_id: str) -> Ticket:
    """Reopen a resolved ticket from its card's Reopen button."""
    return await _reopen(deps, team_id=team_id, actor_id=actor_id, ticket_id=ticket_id)


async def reopen_ticket_by_number(*, deps: Deps, team_id: str, number: int, actor_id: str) -> Ticket:
    """Reopen resolved ticket ``#number`` (`/ticket reopen #N`).

    Raises TicketNotFound for an unknown number and InvalidState for an open ticket.
    """
    return await _reopen(deps, team_id=team_id, actor_id=actor_id, number=number)


async def _reopen(deps: Deps, *, team_id: str, actor_id: str, ticket_id: int | None = None,
                  number: int | None = None) -> Ticket:
    actor = await roles_of(deps=deps, user_id=actor_id)
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id, number=number)
        transition = await check_event(db, deps=deps, actor=actor, event=Event.REOPEN, ticket=ticket)
        now = deps.clock()
        await reopen_in_place(db, ticket, transition, config=deps.config, actor_id=actor_id, now=now)
        await owe_card_update(db, ticket, now=now)
        await owe_thread_post(db, ticket, text=f"{user(actor_id)} reopened #{ticket.number}.", now=now)
    await deliver_outbox(deps)
    return ticket


async def reopen_in_place(db: AsyncSession, ticket: Ticket, transition: Transition, *, config: AppConfig,
                          actor_id: str | None, now: datetime, by_reply: bool = False) -> None:
    """Back to work (``transition``: a reopen, or the reporter's reply to a resolved
    ticket), in the caller's transaction: the resolution is forgotten (the timeline
    keeps it) and a fresh resolution target counts from now."""
    detail = {
        "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
        "resolved_by": ticket.resolved_by, "resolution": ticket.resolution,
        "root_cause": ticket.root_cause, "follow_up": ticket.follow_up,
        **({"by_reply": True} if by_reply else {}),
    }
    ticket.resolved_at = ticket.resolved_by = None
    ticket.resolution = ticket.root_cause = ticket.follow_up = None
    ticket.reopen_count = (ticket.reopen_count or 0) + 1
    policy = ticket_policy(config, ticket)  # the customer's plan's, if any
    ticket.resolution_due_at = due_times(now, config=policy, priority=ticket.priority,
                                         category=ticket.category, calendar=calendar_for(policy)).resolution
    ticket.tier_entered_at = now  # its stay in its tier (escalation.time_in_tier) counts again
    enter(db, ticket, transition, actor_id=actor_id, now=now, detail=detail)
    await schedule_ticket_sla(db, ticket, config)


# -- rate ---------------------------------------------------------------------------


async def rate_ticket(*, deps: Deps, team_id: str, ticket_id: int, rating: int, actor_id: str,
                      channel_id: str | None, message_ts: str | None) -> TicketChange:
    """Store the reporter's 1–5 rating once and turn the survey message (``channel_id``,
    ``message_ts``) into a thank-you. A later click changes nothing and says so."""
    if not 1 <= rating <= 5:
        raise InvalidRequest("Ratings go from 1 to 5.")
    async with deps.sessions.begin() as db:
        ticket = await lock_ticket(db, team_id=team_id, ticket_id=ticket_id)
        if ticket.reporter_id != actor_id:
            raise NotAllowed(f"Only the person who reported #{ticket.number} can rate it.")
        now = deps.clock()
        stored = (await db.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.csat_rating.is_(None))
            .values(csat_rating=rating, csat_at=now)
            .returning(Ticket.id)
            .execution_options(synchronize_session=False)
        )).first() is not None
        await db.refresh(ticket)
        if stored:
            add_ticket_event(db, ticket, TicketEventKind.RATED, actor_id=actor_id, at=now, detail={"rating": rating})
    if not stored:
        return TicketChange(ticket, changed=False,
                            notice=f"You already rated #{ticket.number} ({ticket.csat_rating}/5).")
    await update_clicked_message(deps.slack, channel_id, message_ts, text=csat_thanks_text(ticket, rating),
                                 blocks=build_csat_thanks_message(ticket, rating))
    return TicketChange(ticket, changed=True)


async def update_clicked_message(slack: AsyncWebClient, channel_id: str | None, ts: str | None, *, text: str,
                                 blocks: list) -> None:
    """Turn the message someone clicked in (a survey, a resolution DM) into what their click did."""
    if not (channel_id and ts):
        return
    try:  # direct: the answer to the click itself; if lost, a second click is answered from the stored state
        await slack.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.warning("could not update message %s/%s: %s", channel_id, ts, error.response.get("error"))
