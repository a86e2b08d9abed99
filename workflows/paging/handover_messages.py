"""The hand-over message: who hands over to whom, and what is open. Pure builder; user
text (titles, summaries) is escaped, private tickets show their number only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.block_text import cap, escape, link, mrkdwn, user

__all__ = ["HandoverItem", "build_handover_message"]

ITEMS_SHOWN = 10


@dataclass(frozen=True)
class HandoverItem:
    """One open thing: ``label`` ("Ticket #4", "Incident #2") and ``summary`` (user text)."""

    label: str
    priority: str
    summary: str | None
    url: str | None = None
    channel_id: str | None = None  # an incident's war room
    state: str | None = None  # a page's "acknowledged" / "waiting"


def _line(item: HandoverItem) -> str:
    head = link(item.url, item.label) if item.url else escape(item.label)
    text = f"• {head} · {escape(item.priority)}"
    if item.summary:
        text += f" · {escape(cap(item.summary, 150))}"
    if item.channel_id:
        text += f" · <#{item.channel_id}>"
    if item.state:
        text += f" · {escape(item.state)}"
    return text


def _section(title: str, items: list[HandoverItem]) -> str:
    if not items:
        return f"*{title}:* none"
    shown = [_line(i) for i in items[:ITEMS_SHOWN]]
    more = len(items) - len(shown)
    return f"*{title}:*\n" + "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")


def _who(before: str | None, after: str | None) -> str:
    return f"{user(before)} hands over to {user(after)}" if before != after else f"{user(after)} stays on"


def build_handover_message(*, from_primary: str | None, from_secondary: str | None, to_primary: str | None,
                           to_secondary: str | None, pages: list[HandoverItem], incidents: list[HandoverItem],
                           tickets: list[HandoverItem]) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the hand-over."""
    text = (f":arrows_counterclockwise: On-call hand-over: primary {_who(from_primary, to_primary)}; "
            f"secondary {_who(from_secondary, to_secondary)}.")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(text)},
        {"type": "section", "text": mrkdwn(_section("Open pages", pages))},
        {"type": "section", "text": mrkdwn(_section("Open incidents", incidents))},
        {"type": "section", "text": mrkdwn(_section("Open P0/P1 tickets", tickets))},
    ]
    return text, blocks
