"""The App Home tab: the user's tickets and queues, each line with its SLA status.

    view = build_home_view([HomeSection("Your claimed tickets", claimed, "None."), ...],
                           now=clock())
    await slack.views_publish(user_id=user_id, view=view)

Sections come in the order given; each shows its tickets with ``ticket_line`` and a
"… and N more" for the rest; a queue is paged (``QueuePage``): buttons show the next or
the previous page of it, nearest deadline first (``page_value`` / ``parse_page_value``
carry the page in the button). Slack refuses a home view over 100 blocks: sections that
would not fit are left out and a last line says how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.ticket_lists import TicketList
from workflows.home.ids import HomeAction
from workflows.block_text import mrkdwn, plain, slack_date
from workflows.tickets.messages.lists import build_ticket_list_blocks

__all__ = ["HOME_BLOCKS_MAX", "HomeSection", "QueuePage", "build_home_view", "page_value", "parse_page_value"]

HOME_BLOCKS_MAX = 100

NEW_TICKET_HINT = ("*New ticket:* type `/ticket` in any channel (or `/ticket &lt;summary&gt;` to prefill it) "
                   "and fill in the form. `/ticket help` lists everything else.")


@dataclass(frozen=True)
class QueuePage:
    """Where a paged queue stands: its key (a tier id, ``triage`` or ``all``) and the
    size of its pages; the page shown is its ``TicketList``'s offset."""

    key: str
    size: int


@dataclass(frozen=True)
class HomeSection:
    """One list on the home tab. ``title`` is mrkdwn we wrote (names already escaped)."""

    title: str
    tickets: TicketList
    empty: str = "No tickets."
    more_hint: str = ""
    page: QueuePage | None = None


def page_value(key: str, offset: int) -> str:
    return f"{key}:{offset}"


def parse_page_value(value: object) -> tuple[str, int] | None:
    """(queue key, offset) from a page button's value; None for anything else."""
    if not isinstance(value, str) or ":" not in value:
        return None
    key, _, offset = value.rpartition(":")
    if not key or not offset.isdigit() or len(key) > 64:
        return None
    return key, int(offset)


def _pager(section: HomeSection) -> list[dict[str, Any]]:
    page, found = section.page, section.tickets
    if page is None or (found.offset == 0 and found.more == 0):
        return []
    buttons = []
    if found.offset > 0:
        buttons.append({"type": "button", "action_id": HomeAction.QUEUE_PREVIOUS,
                        "text": plain(f"‹ Previous {page.size}"),
                        "value": page_value(page.key, max(found.offset - page.size, 0))})
    if found.more > 0:
        buttons.append({"type": "button", "action_id": HomeAction.QUEUE_NEXT, "text": plain(f"Next {page.size} ›"),
                        "value": page_value(page.key, found.offset + len(found.tickets))})
    shown = f"{found.offset + 1}–{found.offset + len(found.tickets)}" if found.tickets else "none"
    return [{"type": "context", "elements": [mrkdwn(f"Showing {shown} of {found.total}, nearest deadline first.")]},
            {"type": "actions", "block_id": f"home_page_{page.key}"[:255], "elements": buttons}]


def _section_blocks(section: HomeSection, now: datetime, hidden: frozenset[int]) -> list[dict[str, Any]]:
    return [{"type": "divider"}] + build_ticket_list_blocks(
        section.title, section.tickets.tickets, now=now, more=section.tickets.more, empty=section.empty,
        more_hint=section.more_hint, hidden=hidden,
    ) + _pager(section)


def build_home_view(sections: Sequence[HomeSection], *, now: datetime,
                    hidden: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The home view (``type: home``), at most ``HOME_BLOCKS_MAX`` blocks; tickets whose
    id is in ``hidden`` are listed without their summary (private, not the user's)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain("Support desk")},
        {"type": "section", "text": mrkdwn(NEW_TICKET_HINT)},
    ]
    footer = {"type": "context", "elements": [mrkdwn(
        f"As of {slack_date(now)}. This tab is refreshed each time you open it.")]}
    room = HOME_BLOCKS_MAX - len(blocks) - 2  # the footer, and a note on left-out sections
    left_out = 0
    for section in sections:
        rendered = _section_blocks(section, now, hidden)
        if left_out or len(rendered) > room:
            left_out += 1
            continue
        blocks += rendered
        room -= len(rendered)
    if left_out:
        blocks.append({"type": "context", "elements": [mrkdwn(
            f"{left_out} more list{'s' if left_out != 1 else ''} did not fit here; "
            "`/ticket queue &lt;tier&gt;` and `/ticket mine` show them.")]})
    blocks.append(footer)
    return {"type": "home", "blocks": blocks}
