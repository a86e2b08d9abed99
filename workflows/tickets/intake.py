"""Opening tickets: number, due times, the card in the tier's channel, the confirmation.

A priority with ``page_on_open: true`` pages on-call in the transaction that stores the
ticket: the same page (``supportbot-ticket-<N>``, its mirror) a breach would trigger, so a
later breach or escalation updates it instead of paging again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.outbox import OutboxStatus, ticket_card_status
from models.ticket_queries import add_ticket_event, get_ticket, record_source_permalink
from models.tickets import Ticket, TicketEventKind, next_ticket_number
from workflows.block_text import escape, link
from workflows.tickets.messages.form import ModalOrigin, TicketForm
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import plan_policy
from workflows.deps import Deps
from workflows.access.limits import enforce_ticket_limit
from workflows.outbox.enqueue import deliver_outbox, owe_card
from workflows.sla.schedule import schedule_ticket_sla
from workflows.sla.targets import due_times
from workflows.errors import InvalidState
from workflows.tickets.assignment import auto_assign
from workflows.tickets.follow_up import hold_followed_ticket, note_follow_up
from workflows.tickets.notes import tell_user
from workflows.tickets.notices import Notice, owe_notice
from workflows.tickets.states import INITIAL
from models.page_queries import open_page_id
from models.pages import PageSubjectKind
from workflows.paging.pager import PageRecord, announce_page, record_ticket_page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewTicket:
    team_id: str
    reporter_id: str
    form: TicketForm
    origin_channel_id: str | None = None
    source_channel_id: str | None = None
    source_ts: str | None = None
    private: bool = False  # ticked on the form, or opened from a message in a private conversation
    plan: str | None = None  # the plan to measure it by (default: the plan of the form's customer, if known)
    follows_up_id: int | None = None  # the closed ticket this one follows up


async def _permalink(slack: AsyncWebClient, channel: str, ts: str) -> str | None:
    try:
        return (await slack.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        return None


async def _create_row(db: AsyncSession, request: NewTicket, config: AppConfig, now,
                      followed: Ticket | None = None) -> Ticket:
    form = request.form
    assert form.category and form.priority, "validated before"
    await enforce_ticket_limit(db, config=config, team_id=request.team_id, user_id=request.reporter_id, now=now)
    category = config.category(form.category)
    tier = config.initial_tier(category) if category else None
    known = config.customer(form.customer)  # one of app.yaml's customers: its name as written there, its plan
    plan = request.plan or (known.plan if known else None)
    policy = plan_policy(config, plan)
    due = due_times(now, config=policy, priority=form.priority, category=form.category,
                    calendar=calendar_for(policy))
    ticket = Ticket(
        team_id=request.team_id, number=await next_ticket_number(db, request.team_id),
        summary=form.summary, description=form.description, category=form.category, priority=form.priority,
        tier=tier.id if tier else None, status=INITIAL, reporter_id=request.reporter_id,
        customer=known.name if known else form.customer, plan=plan,
        private=request.private or bool(followed and followed.private),  # a private ticket's follow-up is too
        origin_channel_id=request.origin_channel_id, channel_id=config.channel_for_category(form.category),
        source_channel_id=request.source_channel_id if request.source_ts else None,
        source_ts=request.source_ts if request.source_channel_id else None,
        created_at=now, updated_at=now, desk_replied_at=now, follows_up_id=request.follows_up_id,
        first_response_due_at=due.first_response, resolution_due_at=due.resolution,
    )
    if ticket.source_ts and await _source_ticket(db, request) is not None:
        raise InvalidState(await _source_taken(db, request))
    db.add(ticket)
    await db.flush()  # one ticket per message: a racing one fails here (store_ticket says so)
    add_ticket_event(db, ticket, TicketEventKind.CREATED, actor_id=request.reporter_id, at=now,
                     detail={"priority": ticket.priority, "category": ticket.category, "tier": ticket.tier})
    await schedule_ticket_sla(db, ticket, config)
    return ticket


async def _source_ticket(db: AsyncSession, request: NewTicket) -> int | None:
    """The number of the ticket opened from the request's source message, if any."""
    if not (request.source_channel_id and request.source_ts):
        return None
    return (await db.execute(select(Ticket.number).where(
        Ticket.source_channel_id == request.source_channel_id, Ticket.source_ts == request.source_ts))).scalar()


async def _source_taken(db: AsyncSession, request: NewTicket) -> str:
    taken = await _source_ticket(db, request)
    return f"This message has its ticket already (#{taken})." if taken else "This message has its ticket already."


async def store_ticket(*, deps: Deps, request: NewTicket) -> Ticket:
    """Create ticket #N and owe its card, in one transaction and without calling Slack:
    the modal submission is acknowledged only once this returns, so a crash after the
    acknowledgement cannot lose the ticket (nor its card: the outbox sends it).
    RateLimited (nothing stored) when the reporter is over ``limits.tickets_per_minute``."""
    try:
        async with deps.sessions.begin() as db:
            # The closed ticket first (before the number counter): one follow-up per person, under its lock.
            followed = None if request.follows_up_id is None else await hold_followed_ticket(
                db, request.team_id, request.follows_up_id, reporter_id=request.reporter_id)
            ticket = await _create_row(db, request, deps.config, deps.clock(), followed)
            await owe_card(db, ticket, now=ticket.created_at)
            if followed is not None:  # after the card: its note goes under it
                await note_follow_up(db, followed, ticket, now=ticket.created_at)
            await auto_assign(db, ticket, config=deps.config, now=ticket.created_at)  # after the card: its note goes under it
            await owe_notice(db, ticket, Notice.ACKNOWLEDGEMENT, config=deps.config, now=ticket.created_at)
            if deps.config.priority(ticket.priority).page_on_open:
                await record_ticket_page(db, ticket, deps=deps, now=ticket.created_at,
                                         reason=f"{ticket.priority} ticket opened (page on open)")
    except IntegrityError:
        async with deps.sessions() as db:
            if await _source_ticket(db, request) is None:
                raise
            raise InvalidState(await _source_taken(db, request)) from None
    return ticket


async def announce_ticket(*, deps: Deps, ticket: Ticket, request: NewTicket) -> Ticket:
    """After the acknowledgement: link the source message, send the card, confirm to the reporter."""
    if request.source_channel_id and request.source_ts:
        source_permalink = await _permalink(deps.slack, request.source_channel_id, request.source_ts)
        if source_permalink:
            async with deps.sessions.begin() as db:
                await record_source_permalink(db, ticket.id, source_permalink)
    await deliver_outbox(deps)
    async with deps.sessions() as db:
        ticket = await get_ticket(db, ticket.id) or ticket
        card_status = None if ticket.message_ts else await ticket_card_status(db, ticket.id)
        page_id = (await open_page_id(db, PageSubjectKind.TICKET, ticket.id)
                   if deps.config.priority(ticket.priority).page_on_open else None)
    await _confirm(deps.slack, ticket, request, card_pending=card_status == OutboxStatus.PENDING,
                   customer_channel=deps.config.customer_of_channel(request.source_channel_id) is not None)
    if page_id is not None:
        await _announce_page(deps, page_id, ticket.number)
    return ticket


async def _announce_page(deps: Deps, page_id: int, number: int) -> None:
    """The page on open, sent to PagerDuty (its mirrors went with the outbox above)."""
    try:
        await announce_page(deps=deps, record=PageRecord(page_id=page_id, triggered=True))
    except Exception:  # noqa: BLE001 - recorded: the page sweep delivers it
        log.exception("the page for #%s was recorded; its delivery is retried", number)


async def open_ticket(*, deps: Deps, request: NewTicket) -> Ticket:
    """Create ticket #N, post its card to the category's tier channel and confirm to the reporter."""
    ticket = await store_ticket(deps=deps, request=request)
    return await announce_ticket(deps=deps, ticket=ticket, request=request)


async def _confirm(slack: AsyncWebClient, ticket: Ticket, request: NewTicket, *, card_pending: bool,
                   customer_channel: bool = False) -> None:
    summary = escape(ticket.summary)
    if ticket.message_ts:
        where = f"in <#{ticket.channel_id}>" + (f" — {link(ticket.permalink, 'open the ticket')}" if ticket.permalink else "")
        text = f":white_check_mark: Ticket *#{ticket.number}* opened: {summary}\nIts card is {where}. Replies in its thread reach the support team."
    elif card_pending:
        text = (f":white_check_mark: Ticket *#{ticket.number}* opened: {summary}\nSlack is slow to answer right now; "
                f"its card will appear in <#{ticket.channel_id}> as soon as Slack accepts it.")
    else:
        text = (f":warning: Ticket *#{ticket.number}* was saved ({summary}), but its card could not be posted "
                f"to <#{ticket.channel_id}>. The support team has been told in the logs; please mention #{ticket.number} to them.")
    await tell_user(slack, user_id=request.reporter_id, channel_id=request.origin_channel_id, text=text)
    if request.source_channel_id and request.source_ts and ticket.permalink:
        # In a customer's channel the customer reads the note: no link to the internal card.
        where = summary if customer_channel else link(ticket.permalink, summary)
        try:  # direct: a courtesy note where the bot may not be a member (a shortcut works anywhere)
            await slack.chat_postMessage(
                channel=request.source_channel_id, thread_ts=request.source_ts,
                text=f"Ticket *#{ticket.number}* was opened from this message: {where}",
            )
        except SlackApiError as error:
            log.info("could not note ticket #%s under its source message: %s", ticket.number, error.response.get("error"))


def new_ticket_request(*, team_id: str, reporter_id: str, form: TicketForm, private_metadata: str | None) -> NewTicket:
    origin = ModalOrigin.load(private_metadata)
    return NewTicket(
        team_id=team_id, reporter_id=reporter_id, form=form, origin_channel_id=origin.channel_id,
        source_channel_id=origin.source_channel_id, source_ts=origin.source_ts,
        private=form.private or origin.private, follows_up_id=origin.follows_up_id,
    )
