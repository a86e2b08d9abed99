"""Ticket lines and the status card that look-ups answer with (pure builders).

One line per ticket, shared by `/ticket mine`, `/ticket queue` and the App Home::

    *<permalink|#12>* `P1` Cannot log in · Claimed by <@U1> · first response due in 45m
    *#13* `P2` :lock: _private ticket_ · New · resolution due in 3h     (not the reader's to see)

SLA status comes from the ticket's open clocks (``open_clocks``): the first response
(until one is recorded), the next response (while one is owed) and the resolution
(paused while waiting on the customer), each "due in …" or "overdue by …" at ``now``;
the status card adds where each stands ("On track", "At risk", "Breached", "Met":
``workflows.sla.state``).
Lines are packed into as few sections as Slack's 3000-character limit allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.policy.schema import AppConfig
from workflows.policy.durations import format_duration
from models.tickets import Ticket
from workflows.block_text import (
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    cap,
    escape,
    link,
    mrkdwn,
    plain,
    slack_date,
)
from workflows.tickets.messages.card import status_text, ticket_fields
from workflows.policy.calendars import calendar_for
from workflows.policy.plans import ticket_policy
from workflows.sla.state import ClockState, clock_standings
from workflows.sla.targets import format_remaining
from workflows.tickets.states import is_done, is_open

__all__ = [
    "SlaClock",
    "build_ticket_list_blocks",
    "build_ticket_status_message",
    "nearest_clock",
    "open_clocks",
    "pack_lines",
    "sla_status",
    "ticket_line",
    "ticket_ref",
    "ticket_status_text",
]

LINE_SUMMARY_MAX = 100
STATUS_DESCRIPTION_MAX = 1000


@dataclass(frozen=True)
class SlaClock:
    """One running SLA clock of a ticket: what is due, when, and whether it is paused."""

    label: str
    due_at: datetime
    paused: bool = False

    def status(self, now: datetime) -> str:
        """"first response due in 45m", "resolution overdue by 5m", "resolution paused"."""
        if self.paused:
            return f"{self.label} paused (waiting on the customer)"
        return f"{self.label} {format_remaining(now, self.due_at)}"

    def overdue(self, now: datetime) -> bool:
        return not self.paused and self.due_at <= now


def open_clocks(ticket: Ticket) -> list[SlaClock]:
    """The SLA clocks still running on ``ticket``, earliest due first (none once resolved).

    The same clocks as ``models.ticket_lists.sla_deadline`` orders by.
    """
    if not is_open(ticket.status):
        return []
    clocks: list[SlaClock] = []
    if ticket.first_response_at is None and ticket.first_response_due_at is not None:
        clocks.append(SlaClock("first response", ticket.first_response_due_at))
    if ticket.next_response_due_at is not None:
        clocks.append(SlaClock("next response", ticket.next_response_due_at))
    if ticket.resolution_due_at is not None:
        clocks.append(SlaClock("resolution", ticket.resolution_due_at, paused=ticket.waiting_since is not None))
    return sorted(clocks, key=lambda clock: clock.due_at)


def nearest_clock(ticket: Ticket) -> SlaClock | None:
    clocks = open_clocks(ticket)
    return clocks[0] if clocks else None


def _resolution_outcome(ticket: Ticket) -> str:
    if not ticket.resolved_at:
        return "resolved"
    when = f"resolved {slack_date(ticket.resolved_at)}"
    if ticket.resolution_due_at is None:
        return when
    late = ticket.resolved_at - ticket.resolution_due_at
    if late <= timedelta(0):
        return f"{when}, within the SLA"
    return f"{when}, {format_duration(timedelta(minutes=round(late.total_seconds() / 60)))} late"


def sla_status(ticket: Ticket, now: datetime) -> str:
    """The ticket's SLA standing in a few words, as lists show it (the nearest clock)."""
    if not is_open(ticket.status):
        return _resolution_outcome(ticket)
    clock = nearest_clock(ticket)
    if clock is None:
        return "no SLA clock running"
    text = clock.status(now)
    return f":rotating_light: {text}" if clock.overdue(now) else text


def ticket_ref(ticket: Ticket) -> str:
    """``#N`` in bold, linked to the ticket card when it has a permalink."""
    return f"*{link(ticket.permalink, f'#{ticket.number}')}*"


PRIVATE_LINE = ":lock: _private ticket_"


def ticket_line(ticket: Ticket, now: datetime, *, hidden: bool = False) -> str:
    """One mrkdwn line: reference, priority, summary (escaped), status, SLA status.
    ``hidden`` (a private ticket the reader may not see): no summary and no link."""
    if hidden:
        return (f"*#{ticket.number}* `{escape(ticket.priority)}` {PRIVATE_LINE} · {status_text(ticket)} · "
                f"{sla_status(ticket, now)}")
    summary = escape(cap(ticket.summary, LINE_SUMMARY_MAX))
    return f"{ticket_ref(ticket)} `{escape(ticket.priority)}` {summary} · {status_text(ticket)} · {sla_status(ticket, now)}"


def pack_lines(lines: Sequence[str], limit: int = SECTION_TEXT_MAX) -> list[dict[str, Any]]:
    """Section blocks holding ``lines`` in order, as few as the text limit allows."""
    sections: list[dict[str, Any]] = []
    current = ""
    for line in lines:
        line = cap(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            sections.append({"type": "section", "text": mrkdwn(current)})
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append({"type": "section", "text": mrkdwn(current)})
    return sections


def build_ticket_list_blocks(
    title: str, tickets: Sequence[Ticket], *, now: datetime, more: int = 0, empty: str = "Nothing here.",
    more_hint: str = "", note: str = "", hidden: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """A titled list of ticket lines, with "… and N more" when ``more`` tickets did not
    fit, or ``empty`` when there are none, and an optional closing ``note``. ``title``,
    ``empty``, ``more_hint`` and ``note`` are mrkdwn we wrote (user text escaped).
    Tickets whose id is in ``hidden`` are listed without their summary (private)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(f"*{title}*")}]
    if not tickets:
        blocks.append(_context(empty))
    else:
        blocks += pack_lines([ticket_line(ticket, now, hidden=ticket.id in hidden) for ticket in tickets])
        if more > 0:
            blocks.append(_context(f"… and {more} more{more_hint}"))
    if note:
        blocks.append(_context(note))
    return blocks


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


def ticket_status_text(ticket: Ticket) -> str:
    """The notification text of a status answer."""
    return f"Ticket #{ticket.number} [{ticket.priority}] {escape(cap(ticket.summary, 200))}: {status_text(ticket)}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sla_section(ticket: Ticket, config: AppConfig, now: datetime) -> str:
    if not is_open(ticket.status):
        return f"*SLA*\n{_sentence(_resolution_outcome(ticket))}"
    policy = ticket_policy(config, ticket)
    states = {s.clock: s for s in clock_standings(ticket, policy, calendar_for(policy), now)}
    lines = []
    answered = states.get("first response")
    if ticket.first_response_at is not None and answered is not None:
        lines.append(f"• First response given {slack_date(ticket.first_response_at)} · *{answered.text}*")
    for clock in open_clocks(ticket):
        standing = states.get(clock.label)
        state = f" · *{standing.state}*" if standing and standing.state != ClockState.PAUSED else ""
        lines.append((":rotating_light: " if clock.overdue(now) else "• ") + _sentence(clock.status(now)) + state)
    if not lines:
        return "*SLA*\nNo SLA clock running"
    return "*SLA*\n" + "\n".join(lines)


def build_ticket_status_message(ticket: Ticket, config: AppConfig, now: datetime) -> list[dict[str, Any]]:
    """The ephemeral status card of `/ticket #N`: the card's facts, SLA status, a link
    to the card, and no buttons."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"#{ticket.number} {ticket.summary}", HEADER_TEXT_MAX)},
        {"type": "section", "fields": ticket_fields(ticket, config)},
        {"type": "section", "text": mrkdwn(_sla_section(ticket, config, now))},
    ]
    if ticket.description:
        blocks.append({"type": "section",
                       "text": mrkdwn(f"*Description*\n{escape(cap(ticket.description, STATUS_DESCRIPTION_MAX))}")})
    if is_done(ticket.status) and ticket.resolution:
        blocks.append({"type": "section", "text": mrkdwn(f"*Resolution*\n{escape(cap(ticket.resolution, 2800))}")})
    context = [link(ticket.permalink, "Open the ticket card") if ticket.permalink
               else "The ticket card has not been posted."]
    if ticket.reopen_count:
        context.append(f"Reopened {ticket.reopen_count}×")
    blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(context))]})
    return blocks
