"""The executives' notices (``incidents.executives``): a severe incident still open, and
its resolution. A private incident's title stays out of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.incidents import Incident
from workflows.block_text import cap, escape, slack_date, user
from workflows.policy.durations import format_duration

__all__ = ["executives_open_text", "executives_resolved_text"]


def _what(incident: Incident) -> str:
    if incident.private:
        return f"A private {incident.priority} incident (#{incident.id})"
    return f"{incident.priority} incident #{incident.id} “{escape(cap(incident.title, 200))}”"


def _room(incident: Incident) -> str:
    return f" · war room <#{incident.channel_id}>" if incident.channel_id and not incident.private else ""


def executives_open_text(incident: Incident, *, after: timedelta) -> str:
    when = f"still open {format_duration(after)} after it was declared" if after else "declared"
    return (f":rotating_light: For the executives: {_what(incident)} is {when} "
            f"({slack_date(incident.declared_at)}) · commander {user(incident.commander_id)}{_room(incident)}.")


def executives_resolved_text(incident: Incident, *, resolved_at: datetime) -> str:
    took = format_duration(resolved_at - incident.declared_at)
    summary = f" Summary: {escape(cap(incident.summary, 500))}" if incident.summary and not incident.private else ""
    return (f":white_check_mark: For the executives: {_what(incident)} was resolved after {took} "
            f"· commander {user(incident.commander_id)}.{summary}")
