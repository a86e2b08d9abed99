"""The ticket card: the top-level message whose thread is the ticket's conversation.

Re-rendered from state after every change (never patched), by ``build_ticket_card``.
Given ``now``, each SLA clock says where it stands ("On track · due in 45m", "At risk",
"Breached", "Paused (waiting on customer)", "Met"; ``workflows.sla.state``); callers that
re-render a card pass their clock's reading, so the card changes when a warning or a
breach goes out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.policy.schema import AppConfig
from workflows.tickets.ids import TicketAction, TicketBlock
from models.tickets import Ticket
from workflows.block_text import (
    HEADER_TEXT_MAX,
    cap,
    escape,
    link,
    mrkdwn,
    plain,
    slack_date,
    user,
)
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.sla.plan import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, TIER_RESPONSE
from workflows.sla.state import ClockStanding, ClockState, clock_standings, standing_of
from workflows.tickets.states import Event, allows, is_closed, is_done, is_open, words

STATE_ICONS = {
    ClockState.ON_TRACK: ":large_green_circle:", ClockState.AT_RISK: ":large_yellow_circle:",
    ClockState.BREACHED: ":red_circle:", ClockState.PAUSED: ":double_vertical_bar:",
    ClockState.MET: ":white_check_mark:",
}
#: Ticket priorities whose open cards offer the "Declare incident" button.
DECLARE_FROM_TICKET = ("P0", "P1")


def priority_label(config: AppConfig, priority: str) -> str:
    try:
        return f"{priority} · {config.priority(priority).name}"
    except KeyError:
        return priority


def tier_label(config: AppConfig, tier_id: str | None) -> str:
    if not tier_id:
        return "Triage"
    try:
        return config.tier(tier_id).name
    except KeyError:
        return tier_id


def due_times_sentence(ticket: Ticket) -> str:
    """The clocks still running, as a sentence to append to a note: `` Now first response
    due …, resolution due ….`` (empty when none is)."""
    dues = []
    if ticket.first_response_at is None and ticket.first_response_due_at:
        dues.append(f"first response due {slack_date(ticket.first_response_due_at)}")
    if ticket.next_response_due_at:
        dues.append(f"next response due {slack_date(ticket.next_response_due_at)}")
    if ticket.waiting_since:
        dues.append("resolution paused while waiting on the customer")
    elif ticket.resolution_due_at:
        dues.append(f"resolution due {slack_date(ticket.resolution_due_at)}")
    return f" Now {', '.join(dues)}." if dues else ""


def holder_text(ticket: Ticket) -> str:
    return f"assigned to {user(ticket.assignee_id)}" if ticket.assignee_id else "unassigned"


def status_text(ticket: Ticket) -> str:
    """The state in words: "In progress, assigned to <@U1>", "New, unassigned", "Resolved by <@U2>"."""
    if is_closed(ticket.status):
        return "Closed" + (f" (resolved by {user(ticket.resolved_by)})" if ticket.resolved_by else "")
    if is_done(ticket.status):
        return f"Resolved by {user(ticket.resolved_by)}"
    return f"{words(ticket.status)}, {holder_text(ticket)}"


def standing_text(standing: ClockStanding | None) -> str:
    """":large_yellow_circle: At risk · due in 10m" (empty without a standing)."""
    return f"{STATE_ICONS[standing.state]} {standing.text}" if standing else ""


def _with(lines: list[str], standing: ClockStanding | None) -> str:
    return "\n".join([standing_text(standing), *lines] if standing else lines)


def first_response_text(ticket: Ticket, standing: ClockStanding | None = None) -> str:
    if ticket.first_response_at:
        answered = f"Answered by {user(ticket.first_response_by)} {slack_date(ticket.first_response_at)}"
        return "\n".join([answered, standing_text(standing)] if standing else [answered])
    if ticket.first_response_due_at:
        return _with([f"Due {slack_date(ticket.first_response_due_at)}"], standing)
    return "—"


def resolution_text(ticket: Ticket, standing: ClockStanding | None = None) -> str:
    if ticket.resolved_at:
        resolved = f"Resolved {slack_date(ticket.resolved_at)}"
        return "\n".join([resolved, standing_text(standing)] if standing else [resolved])
    if ticket.waiting_since:  # since when: the Status field says it
        return standing_text(standing) if standing else str(ClockState.PAUSED)
    if ticket.resolution_due_at:
        return _with([f"Due {slack_date(ticket.resolution_due_at)}"], standing)
    return "—"


def status_field_text(ticket: Ticket) -> str:
    """The card's Status field: the state in words, who has it, since when it waits."""
    if is_open(ticket.status) and ticket.waiting_since:
        return f"Waiting on customer since {slack_date(ticket.waiting_since)}, {holder_text(ticket)}"
    return status_text(ticket)


def customer_text(ticket: Ticket) -> str:
    """"Acme · plan enterprise" (the plan whose targets the ticket is measured by), or "—"."""
    customer = escape(ticket.customer) or "—"
    return f"{customer} · plan {escape(ticket.plan)}" if getattr(ticket, "plan", None) else customer


def ticket_fallback_text(ticket: Ticket) -> str:
    """The notification text of the card (what a push notification shows)."""
    return f"Ticket #{ticket.number} [{ticket.priority}] {escape(cap(ticket.summary, 200))}"


def _button(text: str, action: TicketAction, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": str(action), "value": value}
    if style:
        button["style"] = style
    return button


def offers_incident(ticket: Ticket) -> bool:
    """True when the ticket's card shows "Declare incident" (open P0/P1)."""
    return ticket.priority in DECLARE_FROM_TICKET and is_open(ticket.status)


def build_declare_incident_button(ticket_id: int) -> dict[str, Any]:
    """The card's "Declare incident" button (``handlers/actions/incident.py`` answers it)."""
    return {"type": "button", "text": plain("Declare incident"), "action_id": str(TicketAction.DECLARE_INCIDENT),
            "value": str(ticket_id), "style": "danger"}


def card_buttons(ticket: Ticket) -> list[dict[str, Any]]:
    value = str(ticket.id)
    if not is_open(ticket.status):
        return [_button("Reopen", TicketAction.REOPEN, value)] if allows(Event.REOPEN, ticket.status) else []
    claim = "Claim" if not ticket.assignee_id else "Take over"
    waiting = (_button("Resume", TicketAction.RESUME, value) if allows(Event.RESUME, ticket.status)
               else _button("Waiting on customer", TicketAction.WAIT_ON_CUSTOMER, value))
    buttons = [_button(claim, TicketAction.CLAIM, value, "primary")]
    if ticket.tier is None and allows(Event.TRIAGE, ticket.status):  # a card in the triage channel
        buttons.append(_button("Triage", TicketAction.TRIAGE, value))
    buttons.append(_button("Escalate", TicketAction.ESCALATE, f"{ticket.id}:{ticket.number}"))
    if offers_incident(ticket):
        buttons.append(build_declare_incident_button(ticket.id))
    buttons += [waiting, _button("Resolve", TicketAction.RESOLVE, value)]
    if allows(Event.MERGE, ticket.status):  # opens the merge form (the ticket it duplicates)
        buttons.append(_button("Merge into…", TicketAction.MERGE, value))
    return buttons


def ticket_fields(ticket: Ticket, config: AppConfig, now: datetime | None = None) -> list[dict[str, str]]:
    """The card's facts; with ``now``, each SLA clock's standing too."""
    policy = ticket_policy(config, ticket)
    standings = clock_standings(ticket, policy, calendar_for(policy), now) if now is not None else []
    fields = [
        mrkdwn(f"*Priority*\n{escape(priority_label(config, ticket.priority))}"),
        mrkdwn(f"*Category*\n{escape(ticket.category)}"),
        mrkdwn(f"*Tier*\n{escape(tier_label(config, ticket.tier))}"),
        mrkdwn(f"*Status*\n{status_field_text(ticket)}"),
        mrkdwn(f"*Reporter*\n{user(ticket.reporter_id)}"),
        mrkdwn(f"*Customer*\n{customer_text(ticket)}"),
        mrkdwn(f"*First response*\n{first_response_text(ticket, standing_of(standings, FIRST_RESPONSE))}"),
        mrkdwn(f"*Resolution*\n{resolution_text(ticket, standing_of(standings, RESOLUTION))}"),
    ]
    if is_open(ticket.status) and ticket.next_response_due_at:
        lines = [f"Due {slack_date(ticket.next_response_due_at)}"]
        fields.append(mrkdwn(f"*Next response*\n{_with(lines, standing_of(standings, NEXT_RESPONSE))}"))
    if is_open(ticket.status) and ticket.tier_response_due_at:
        lines = [f"Due {slack_date(ticket.tier_response_due_at)}"]
        fields.append(mrkdwn(f"*{escape(tier_label(config, ticket.tier))} response*\n"
                             f"{_with(lines, standing_of(standings, TIER_RESPONSE))}"))
    return fields


def build_ticket_card(ticket: Ticket, config: AppConfig, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Blocks of the ticket card, from the ticket's current state (SLA standings at ``now``)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"#{ticket.number} {ticket.summary}", HEADER_TEXT_MAX)},
        {"type": "section", "fields": ticket_fields(ticket, config, now)},
    ]
    if ticket.description:
        blocks.append({"type": "section", "text": mrkdwn(escape(cap(ticket.description, 2900)))})
    if is_done(ticket.status) and ticket.resolution:
        blocks.append({"type": "section", "text": mrkdwn(f"*Resolution*\n{escape(cap(ticket.resolution, 2800))}")})
    context = ["Reply in this thread to talk about the ticket."]
    if ticket.source_permalink:
        context.append(link(ticket.source_permalink, "Original message"))
    if ticket.reopen_count:
        context.append(f"Reopened {ticket.reopen_count}×")
    blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(context))]})
    buttons = card_buttons(ticket)
    if buttons:  # a closed ticket has none (Slack refuses an empty actions block)
        blocks.append({"type": "actions", "block_id": str(TicketBlock.TICKET_ACTIONS), "elements": buttons})
    if allows(Event.ASSIGN, ticket.status):
        blocks.append(build_assign_menu(ticket))
    return blocks


def build_assign_menu(ticket: Ticket) -> dict[str, Any]:
    """The card's *Assign* menu: pick anyone to give the ticket to (the listener finds the
    ticket by the card it is on)."""
    menu: dict[str, Any] = {"type": "users_select", "action_id": str(TicketAction.ASSIGN),
                            "placeholder": plain("Assign to…")}
    if ticket.assignee_id:
        menu["initial_user"] = ticket.assignee_id
    return {"type": "actions", "block_id": str(TicketBlock.TICKET_ASSIGN), "elements": [menu]}


def render_ticket_card(ticket: Ticket, config: AppConfig, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The card as the outbox relay sends it: its notification text and its blocks."""
    return ticket_fallback_text(ticket), build_ticket_card(ticket, config, now=now)
