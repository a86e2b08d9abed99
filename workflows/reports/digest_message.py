"""The daily support digest: tickets opened since yesterday, open tickets by age, and
the overdue ones (pure Block Kit builders; ticket summaries are escaped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.digest_queries import TicketsPage
from models.tickets import Ticket
from workflows.block_text import (
    HEADER_TEXT_MAX,
    cap,
    escape,
    link,
    mrkdwn,
    plain,
)
from workflows.tickets.messages.lists import PRIVATE_LINE, pack_lines
from workflows.sla.targets import format_remaining

__all__ = ["AGE_EDGES", "DailyDigest", "age_labels", "build_daily_digest_message", "daily_digest_text"]

#: Open tickets are counted as younger than 1 day, 1-3 days, 3-7 days, and older.
AGE_EDGES = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
LIST_MAX = 10
SUMMARY_MAX = 100


@dataclass(frozen=True)
class DailyDigest:
    """What the digest says: ``new`` opened in ``[since, until)``; ``open_by_age`` and
    ``overdue`` as they stand at ``now``."""

    since: datetime
    until: datetime
    now: datetime
    new: TicketsPage
    open_by_age: list[int]
    overdue: TicketsPage


def age_labels() -> list[str]:
    return ["under 1 day", "1–3 days", "3–7 days", "over 7 days"]


def _title(digest: DailyDigest, zone: ZoneInfo) -> str:
    return f"Daily support digest: {digest.until.astimezone(zone):%a %d %b %Y}"


def _overdue_clock(ticket: Ticket, now: datetime) -> str:
    """Which SLA clock of an open ticket is past due, and by how much ("" if none)."""
    clocks = [("first response", ticket.first_response_due_at if ticket.first_response_at is None else None),
              ("next response", ticket.next_response_due_at),
              ("resolution", ticket.resolution_due_at if ticket.waiting_since is None else None)]
    late = [(due, name) for name, due in clocks if due is not None and due < now]
    if not late:
        return ""
    due, name = min(late)
    return f" · {name} {format_remaining(now, due)}"


def ticket_line(ticket: Ticket, now: datetime) -> str:
    """``• #12 `P1` Cannot log in (Login problems) · first response overdue by 2h``; a
    private ticket without its summary (the reports channel is not its audience)."""
    ref = f"*{link(ticket.permalink, f'#{ticket.number}')}*"
    summary = PRIVATE_LINE if ticket.private else escape(cap(ticket.summary, SUMMARY_MAX))
    return f"• {ref} `{escape(ticket.priority)}` {summary} ({escape(ticket.category)}){_overdue_clock(ticket, now)}"




def _listing(page: TicketsPage, now: datetime, empty: str) -> list[str]:
    if page.total == 0:
        return [empty]
    lines = [ticket_line(ticket, now) for ticket in page.tickets]
    if page.total > len(page.tickets):
        lines.append(f"… and {page.total - len(page.tickets)} more")
    return lines


def build_daily_digest_message(digest: DailyDigest, *, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Header, the period, then the three parts (at most ~10 blocks)."""
    since, until = digest.since.astimezone(zone), digest.until.astimezone(zone)
    ages = " · ".join(f"{label}: *{n}*" for label, n in zip(age_labels(), digest.open_by_age, strict=True))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(cap(_title(digest, zone), HEADER_TEXT_MAX))},
        {"type": "context", "elements": [mrkdwn(
            f"Opened {since:%a %d %b %H:%M} – {until:%a %d %b %H:%M} ({escape(zone.key)}); "
            f"open and overdue as of {digest.now.astimezone(zone):%a %d %b %H:%M}")]},
        {"type": "section", "text": mrkdwn(f"*New since yesterday: {digest.new.total}*")},
        *pack_lines(_listing(digest.new, digest.now, "No new tickets.")),
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(f"*Open: {sum(digest.open_by_age)}* by age — {ages}")},
        {"type": "section", "text": mrkdwn(f"*Overdue: {digest.overdue.total}*")},
        *pack_lines(_listing(digest.overdue, digest.now, "Nothing is overdue.")),
    ]
    return blocks[:50]


def daily_digest_text(digest: DailyDigest, *, zone: ZoneInfo) -> str:
    """The notification / fallback text."""
    return (f"{_title(digest, zone)}: {digest.new.total} new, {sum(digest.open_by_age)} open, "
            f"{digest.overdue.total} overdue.")
