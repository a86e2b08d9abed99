"""Text helpers every Block Kit builder uses: escaping, capping, Slack date tokens."""

from __future__ import annotations

from datetime import datetime

# Slack's documented limits.
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
PLAIN_OPTION_MAX = 75
BUTTON_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
MESSAGE_TEXT_MAX = 3000


def escape(text: str | None) -> str:
    """Escape user text for mrkdwn: ``<!channel>`` and ``<@U1>`` are shown, never acted on."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cap(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def user(user_id: str | None) -> str:
    """A mention of a Slack user id (ids are ours, not user text), or an em dash."""
    return f"<@{user_id}>" if user_id else "—"


def slack_date(when: datetime, *, fmt: str = "{date_short_pretty} {time}") -> str:
    """A ``<!date^…>`` token: every reader sees the moment in their own timezone."""
    epoch = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{fallback}>"


def link(url: str | None, label: str) -> str:
    """A mrkdwn link; ``label`` is escaped, ``url`` must be one Slack gave us."""
    if not url:
        return escape(label)
    return f"<{url}|{escape(label)}>"


def plain(text: str, limit: int = 3000) -> dict[str, object]:
    return {"type": "plain_text", "text": cap(text or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, str]:
    return {"type": "mrkdwn", "text": cap(text or " ", limit)}
