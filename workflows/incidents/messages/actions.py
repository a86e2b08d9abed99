"""Action items' messages: added, done, the list, the owner's reminder, and their part of
the post-mortem draft. Item text is user text, escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models.incident_actions import IncidentAction
from workflows.block_text import cap, escape, user

__all__ = ["action_added_text", "action_done_text", "action_lines", "action_list_text", "action_reminder_text"]

TEXT_SHOWN = 300


def _item(action: IncidentAction) -> str:
    return f"*{action.number}.* {escape(cap(action.text, TEXT_SHOWN))}"


def action_added_text(action: IncidentAction, *, incident_id: int) -> str:
    return (f":memo: Action item {action.number} of incident #{incident_id} for {user(action.owner_id)}, due "
            f"{action.due_on.isoformat()}: {escape(cap(action.text, TEXT_SHOWN))} (added by {user(action.created_by)})")


def action_done_text(action: IncidentAction, *, incident_id: int) -> str:
    return (f":white_check_mark: Action item {action.number} of incident #{incident_id} is done "
            f"(marked by {user(action.done_by)}): {escape(cap(action.text, TEXT_SHOWN))}")


def action_lines(actions: Sequence[IncidentAction], *, today: date | None = None) -> list[str]:
    """One line per item: number, text, owner, due day, state."""
    lines = []
    for action in actions:
        if action.done_at is not None:
            state = "done"
        elif today is not None and action.due_on < today:
            state = "*overdue*"
        else:
            state = "open"
        lines.append(f"{_item(action)} — {user(action.owner_id)}, due {action.due_on.isoformat()} · {state}")
    return lines


def action_list_text(actions: Sequence[IncidentAction], *, incident_id: int, today: date) -> str:
    if not actions:
        return (f"Incident #{incident_id} has no action items yet. "
                "`/incident action @owner YYYY-MM-DD what to do` adds one.")
    return f"Action items of incident #{incident_id}:\n" + "\n".join(action_lines(actions, today=today))


def action_reminder_text(action: IncidentAction, *, incident_id: int, channel_id: str | None, today: date) -> str:
    where = f" (war room <#{channel_id}>)" if channel_id else ""
    if action.due_on < today:
        days = (today - action.due_on).days
        when = f"was due {action.due_on.isoformat()} ({days} day{'s' if days != 1 else ''} overdue)"
    else:
        when = "is due today"
    return (f":alarm_clock: Your action item {action.number} of incident #{incident_id}{where} {when}: "
            f"{escape(cap(action.text, TEXT_SHOWN))}. When it is done: `/incident action done #{incident_id} "
            f"{action.number}` (here or anywhere).")
