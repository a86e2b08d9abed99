"""The App Home tab: the user's tickets and queues, each line with its SLA status.

    view = build_home_view([HomeSection("Your claimed tickets", claimed, "None."), ...],
                           now=clock())
    await slack.views_publish(user_id=user_id, view=view)

Sections come in the order given; each shows its tickets with ``ticket_line`` and a
"… and N more" for the rest. Slack refuses a home view over 100 blocks: sections that
would not fit are left out and a last line says how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.ticket_lists import TicketList
from workflows.block_text import mrkdwn, plain, slack_date
from workflows.tickets.messages.lists import build_ticket_list_blocks

__all__ = ["HOME_BLOCKS_MAX", "HomeSection", "build_home_view"]

HOME_BLOCKS_MAX = 100

NEW_TICKET_HINT = ("*New ticket:* type `/ticket` in any channel (or `/ticket &lt;summary&gt;` to prefill it) "
                   "and fill in the form. `/ticket help` lists everything else.")


@dataclass(frozen=True)
class HomeSection:
    """One list on the home tab. ``title`` is mrkdwn we wrote (names already escaped)."""

    title: str
    tickets: TicketList
    empty: str = "No tickets."
    more_hint: str = ""


def _section_blocks(section: HomeSection, now: datetime, hidden: frozenset[int]) -> list[dict[str, Any]]:
    return [{"type": "divider"}] + build_ticket_list_blocks(
        section.title, section.tickets.tickets, now=now, more=section.tickets.more, empty=section.empty,
        more_hint=section.more_hint, hidden=hidden,
    )


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
