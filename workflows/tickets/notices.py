"""Customer notices: app.yaml's ``messages`` templates, filled in and sent to the reporter by
DM (through the outbox) when their ticket is opened, escalated and resolved; a ticket
opened in a customer's channel gets them in the customer's thread instead.

    text = render_notice(config.messages.resolved, ticket, config)     # None template: None
    await owe_notice(db, ticket, Notice.ACKNOWLEDGEMENT, config=config, now=now)

Placeholders (``workflows.policy.lifecycle.PLACEHOLDERS``): ``{number}``, ``{summary}``,
``{priority}`` ("P1 · High"), ``{first_response_due}`` (a Slack date token: each reader
sees their own time zone), ``{tier}`` (the tier's name, "Triage" before one), and
``{resolution}``. What the reporter or an agent typed is escaped; the template itself is
the admin's mrkdwn. A notice left out of app.yaml (or ``off``) is not sent. Each notice
sent leaves a ``customer_notified`` row on the timeline.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.ticket_queries import add_ticket_event, get_ticket, watchers_of
from models.tickets import Ticket, TicketEventKind
from workflows.block_text import MESSAGE_TEXT_MAX, cap, escape, mrkdwn, slack_date
from workflows.outbox.enqueue import owe_post
from workflows.policy.desk import Tier
from workflows.policy.schema import AppConfig
from workflows.tickets.customer_thread import owe_to_customer
from workflows.tickets.messages.card import priority_label, tier_label
from workflows.tickets.messages.closing import build_resolution_answer_buttons, watcher_resolved_text
from workflows.tickets.messages.csat import build_csat_survey_message, csat_survey_text

__all__ = ["Notice", "escalated_notice_text", "notice_blocks", "owe_escalated_notice", "owe_notice",
           "owe_resolution_notices", "owe_watcher_resolution", "render_notice"]


class Notice(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


def render_notice(template: str | None, ticket: Ticket, config: AppConfig, *, tier: Tier | None = None) -> str | None:
    """``template`` filled in for ``ticket`` (``tier``: the one it was escalated to); None for none."""
    if not template:  # not in app.yaml, or off
        return None
    due = ticket.first_response_due_at
    values = {
        "number": str(ticket.number),
        "summary": escape(ticket.summary),
        "priority": escape(priority_label(config, ticket.priority)),
        "first_response_due": slack_date(due) if due is not None else "—",
        "tier": escape(tier.name if tier is not None else tier_label(config, ticket.tier)),
        "resolution": escape(ticket.resolution or ""),
    }
    return cap(template.format_map(values), MESSAGE_TEXT_MAX)


def escalated_notice_text(ticket: Ticket, config: AppConfig, tier: Tier) -> str | None:
    """``messages.escalated`` for a ticket just escalated to ``tier`` (None: turned off)."""
    return render_notice(config.messages.escalated, ticket, config, tier=tier)


def notice_blocks(text: str, extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [{"type": "section", "text": mrkdwn(text)}, *(extra or [])]


async def owe_notice(db: AsyncSession, ticket: Ticket, notice: Notice, *, config: AppConfig, now: datetime,
                     tier: Tier | None = None, extra_blocks: list[dict[str, Any]] | None = None) -> bool:
    """Owe the reporter the ``notice`` DM (``extra_blocks``: buttons under it); False when
    app.yaml turns it off."""
    text = render_notice(getattr(config.messages, notice.value), ticket, config, tier=tier)
    if text is None:
        return False
    if ticket.customer_thread:  # a customer's channel: the notice goes to their thread, without buttons
        await owe_to_customer(db, ticket, text=text, now=now, blocks=notice_blocks(text))
        to = ticket.source_channel_id
    else:
        await owe_post(db, channel=ticket.reporter_id, text=text, now=now, blocks=notice_blocks(text, extra_blocks))
        to = ticket.reporter_id
    add_ticket_event(db, ticket, TicketEventKind.CUSTOMER_NOTIFIED, actor_id=None, at=now,
                     detail={"notice": notice.value, "to": to})
    return True


async def owe_escalated_notice(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime,
                               tier: Tier) -> bool:
    """The reporter's DM when their ticket is escalated to ``tier`` (``messages.escalated``)."""
    return await owe_notice(db, ticket, Notice.ESCALATED, config=config, now=now, tier=tier)


async def owe_resolution_notices(db: AsyncSession, ticket: Ticket, *, config: AppConfig, now: datetime) -> None:
    """At a resolution: the reporter's ``messages.resolved`` DM with *Confirm fixed* and
    *Still broken*; and for each watcher (the reporter of a ticket merged into this one) the
    resolution and the survey of their own ticket."""
    await owe_notice(db, ticket, Notice.RESOLVED, config=config, now=now,
                     extra_blocks=build_resolution_answer_buttons(ticket))
    for watcher in await watchers_of(db, ticket.id):
        duplicate = await get_ticket(db, watcher.via_ticket_id) if watcher.via_ticket_id else None
        await owe_watcher_resolution(db, ticket, watcher.user_id, duplicate=duplicate, config=config, now=now)


async def owe_watcher_resolution(db: AsyncSession, ticket: Ticket, user_id: str, *, duplicate: Ticket | None,
                                 config: AppConfig, now: datetime) -> None:
    """Tell watcher ``user_id`` that ``ticket`` is resolved (``messages.resolved``, else a
    plain note), with the survey of ``duplicate``, their ticket merged into it, unless rated:
    at the resolution, or at once when their ticket is merged into a resolved one."""
    template = config.messages.resolved
    text = render_notice(template, ticket, config) if template else \
        watcher_resolved_text(ticket, duplicate.number if duplicate else ticket.number)
    await owe_post(db, channel=user_id, text=text or "", now=now, blocks=notice_blocks(text or ""))
    if duplicate is not None and duplicate.csat_rating is None:
        await owe_post(db, channel=user_id, text=csat_survey_text(duplicate), now=now,
                       blocks=build_csat_survey_message(duplicate))
    add_ticket_event(db, ticket, TicketEventKind.CUSTOMER_NOTIFIED, actor_id=None, at=now,
                     detail={"notice": Notice.RESOLVED.value, "to": user_id, "watcher": True})
