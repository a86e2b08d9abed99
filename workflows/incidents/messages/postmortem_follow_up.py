"""Messages of the post-mortem's follow-through: its owner named, it marked done, and the
owner's reminder."""

from __future__ import annotations

from datetime import datetime

from models.incidents import Incident
from workflows.block_text import slack_date, user

__all__ = ["postmortem_done_text", "postmortem_owner_text", "postmortem_reminder_text"]


def postmortem_owner_text(incident: Incident, *, actor_id: str) -> str:
    return (f":memo: {user(incident.postmortem_owner_id)} owns the post-mortem of incident #{incident.id} "
            f"(named by {user(actor_id)}).")


def postmortem_done_text(incident: Incident, *, actor_id: str) -> str:
    return (f":white_check_mark: The post-mortem of incident #{incident.id} is done: <{incident.postmortem_url}> "
            f"(marked by {user(actor_id)}).")


def postmortem_reminder_text(incident: Incident, *, now: datetime) -> str:
    where = f" (war room <#{incident.channel_id}>)" if incident.channel_id else ""
    due = incident.postmortem_due_at or now
    return (f":alarm_clock: The post-mortem of incident #{incident.id}{where} was due {slack_date(due)}. Please "
            f"complete it, then `/incident postmortem done #{incident.id} URL` (here or anywhere; daily reminders "
            "until then).")
