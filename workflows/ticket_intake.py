"""Opening tickets: number, due times, the card in the tier's channel, the confirmation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from models.ticket_queries import add_ticket_event, get_ticket
from models.tickets import Ticket, TicketEventKind, TicketStatus, next_ticket_number
from workflows.blocks.text import escape, link
from workflows.blocks.ticket_card import build_ticket_card, ticket_fallback_text
from workflows.blocks.ticket_modal import (
    ModalOrigin,
    TicketForm,
    build_new_ticket_modal,
    source_note,
)
from workflows.calendars import calendar_for
from workflows.deps import Deps
from workflows.kb_answers import suggest_articles
from workflows.sla_schedule import schedule_ticket_sla
from workflows.sla_targets import due_times
from workflows.ticket_messages import tell_user

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewTicket:
    team_id: str
    reporter_id: str
    form: TicketForm
    origin_channel_id: str | None = None
    source_channel_id: str | None = None
    source_ts: str | None = None


async def _permalink(slack: AsyncWebClient, channel: str, ts: str) -> str | None:
    try:
        return (await slack.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        return None


async def _create_row(db: AsyncSession, request: NewTicket, config: AppConfig, now, source_permalink) -> Ticket:
    form = request.form
    assert form.category and form.priority, "validated before"
    category = config.category(form.category)
    tier = config.initial_tier(category) if category else None
    due = due_times(now, config=config, priority=form.priority, category=form.category,
                    calendar=calendar_for(config))
    ticket = Ticket(
        team_id=request.team_id, number=await next_ticket_number(db, request.team_id),
        summary=form.summary, description=form.description, category=form.category, priority=form.priority,
        tier=tier.id if tier else None, status=TicketStatus.OPEN, reporter_id=request.reporter_id,
        customer=form.customer, origin_channel_id=request.origin_channel_id,
        channel_id=config.channel_for_category(form.category), source_permalink=source_permalink,
        created_at=now, updated_at=now,
        first_response_due_at=due.first_response, resolution_due_at=due.resolution,
    )
    db.add(ticket)
    await db.flush()
    add_ticket_event(db, ticket, TicketEventKind.CREATED, actor_id=request.reporter_id, at=now,
                     detail={"priority": ticket.priority, "category": ticket.category, "tier": ticket.tier})
    await schedule_ticket_sla(db, ticket, config)
    return ticket


async def open_ticket(*, deps: Deps, request: NewTicket) -> Ticket:
    """Create ticket #N, post its card to the category's tier channel and confirm to the reporter."""
    sessions, slack, config, clock = deps.sessions, deps.slack, deps.config, deps.clock
    source_permalink = None
    if request.source_channel_id and request.source_ts:
        source_permalink = await _permalink(slack, request.source_channel_id, request.source_ts)
    async with sessions.begin() as db:
        ticket = await _create_row(db, request, config, clock(), source_permalink)
    await _post_card(slack=slack, sessions=sessions, config=config, ticket=ticket)
    async with sessions() as db:
        ticket = await get_ticket(db, ticket.id) or ticket
    await _confirm(slack, ticket, request)
    return ticket


async def _post_card(*, slack: AsyncWebClient, sessions, config: AppConfig, ticket: Ticket) -> None:
    assert ticket.channel_id
    try:
        posted = await slack.chat_postMessage(
            channel=ticket.channel_id, text=ticket_fallback_text(ticket), blocks=build_ticket_card(ticket, config, now=ticket.created_at),
            unfurl_links=False,
        )
    except SlackApiError as error:
        log.error("ticket #%s: card not posted to %s: %s", ticket.number, ticket.channel_id, error.response.get("error"))
        return
    permalink = await _permalink(slack, posted["channel"], posted["ts"])
    async with sessions.begin() as db:
        row = await get_ticket(db, ticket.id, for_update=True)
        if row is not None:
            row.channel_id, row.message_ts, row.permalink = posted["channel"], posted["ts"], permalink


async def _confirm(slack: AsyncWebClient, ticket: Ticket, request: NewTicket) -> None:
    summary = escape(ticket.summary)
    if ticket.message_ts:
        where = f"in <#{ticket.channel_id}>" + (f" — {link(ticket.permalink, 'open the ticket')}" if ticket.permalink else "")
        text = f":white_check_mark: Ticket *#{ticket.number}* opened: {summary}\nIts card is {where}. Replies in its thread reach the support team."
    else:
        text = (f":warning: Ticket *#{ticket.number}* was saved ({summary}), but its card could not be posted "
                f"to <#{ticket.channel_id}>. The support team has been told in the logs; please mention #{ticket.number} to them.")
    await tell_user(slack, user_id=request.reporter_id, channel_id=request.origin_channel_id, text=text)
    if request.source_channel_id and request.source_ts and ticket.permalink:
        try:
            await slack.chat_postMessage(
                channel=request.source_channel_id, thread_ts=request.source_ts,
                text=f"Ticket *#{ticket.number}* was opened from this message: {link(ticket.permalink, summary)}",
            )
        except SlackApiError as error:
            log.info("could not note ticket #%s under its source message: %s", ticket.number, error.response.get("error"))


async def show_new_ticket_modal(
    *, deps: Deps, trigger_id: str, summary: str = "", description: str = "", channel_id: str | None = None,
    source_channel_id: str | None = None, source_ts: str | None = None, source_user_id: str | None = None,
    team_id: str | None = None, user_id: str | None = None,
) -> None:
    """Open the new-ticket modal (views.open) inside the trigger_id's 3-second life.

    With ``team_id`` and ``user_id`` (``/ticket text``) the knowledge-base articles that
    may answer ``summary`` are shown above the form (``workflows.kb_answers``)."""
    origin = ModalOrigin(channel_id=channel_id, source_channel_id=source_channel_id, source_ts=source_ts)
    note = source_note(source_channel_id, source_user_id) if source_channel_id else None
    articles = (await suggest_articles(deps=deps, team_id=team_id, user_id=user_id, text=summary)
                if team_id and user_id and summary.strip() else [])
    view = build_new_ticket_modal(deps.config, summary=summary, description=description, origin=origin, source_note=note,
                                  intro_blocks=articles)
    await deps.slack.views_open(trigger_id=trigger_id, view=view)


def new_ticket_request(*, team_id: str, reporter_id: str, form: TicketForm, private_metadata: str | None) -> NewTicket:
    origin = ModalOrigin.load(private_metadata)
    return NewTicket(
        team_id=team_id, reporter_id=reporter_id, form=form, origin_channel_id=origin.channel_id,
        source_channel_id=origin.source_channel_id, source_ts=origin.source_ts,
    )
