"""Messages about who is on call besides the page mirror: overrides and swaps, and the
/oncall answer's overrides section. Pure builders; the ids are ours, no user text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.block_text import mrkdwn, slack_date, user

__all__ = ["ONCALL_HELP", "OverrideLine", "overrides_section", "override_set_text", "swap_text",
           "with_overrides"]

ONCALL_HELP = (
    "*/oncall* — who is on call now and next\n"
    "*/oncall override @someone until YYYY-MM-DD HH:MM* — @someone is primary from now until then\n"
    "*/oncall override @someone from YYYY-MM-DD HH:MM until YYYY-MM-DD HH:MM* — for that span\n"
    "*/oncall swap @someone* — your next turn as primary and theirs change hands\n"
    "Times are in the desk's timezone ({zone})."
)


@dataclass(frozen=True)
class OverrideLine:
    user_id: str
    replaces_user_id: str | None
    starts_at: datetime
    ends_at: datetime
    swap: bool


def _span(starts_at: datetime, ends_at: datetime) -> str:
    return f"from {slack_date(starts_at)} until {slack_date(ends_at)}"


def override_set_text(*, actor_id: str, line: OverrideLine) -> str:
    instead = f" instead of {user(line.replaces_user_id)}" if line.replaces_user_id else ""
    return (f":arrows_counterclockwise: {user(actor_id)} set an on-call override: {user(line.user_id)} is primary"
            f"{instead} {_span(line.starts_at, line.ends_at)}.")


def swap_text(*, actor_id: str, other_id: str, mine: OverrideLine, theirs: OverrideLine) -> str:
    return (f":arrows_counterclockwise: {user(actor_id)} and {user(other_id)} swapped turns: "
            f"{user(mine.user_id)} is primary {_span(mine.starts_at, mine.ends_at)}, "
            f"{user(theirs.user_id)} {_span(theirs.starts_at, theirs.ends_at)}.")


def _line(line: OverrideLine, now: datetime) -> str:
    what = "swap" if line.swap else "override"
    instead = f" (instead of {user(line.replaces_user_id)})" if line.replaces_user_id else ""
    if line.starts_at <= now:
        return f"• {user(line.user_id)}{instead} is primary until {slack_date(line.ends_at)} ({what}, now)"
    return f"• {user(line.user_id)}{instead} {_span(line.starts_at, line.ends_at)} ({what})"


def overrides_section(lines: list[OverrideLine], now: datetime) -> str:
    """The overrides part of the /oncall answer ("" when there are none)."""
    if not lines:
        return ""
    return "Overrides:\n" + "\n".join(_line(line, now) for line in lines)


def with_overrides(reply: dict[str, Any], lines: list[OverrideLine], now: datetime) -> dict[str, Any]:
    """The /oncall answer (``text`` and ``blocks``) with its overrides added."""
    section = overrides_section(lines, now)
    if not section:
        return reply
    blocks = list(reply["blocks"])
    blocks.insert(1, {"type": "section", "text": mrkdwn(section)})
    return {"text": f"{reply['text']}\n{section}", "blocks": blocks}
