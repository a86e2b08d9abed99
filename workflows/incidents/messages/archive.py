"""The war room's last message before it is archived (``incidents.archive_after``)."""

from __future__ import annotations

from models.incident_actions import IncidentAction
from models.incidents import Incident
from workflows.block_text import slack_date

__all__ = ["archive_notice_text"]


def archive_notice_text(incident: Incident, actions: list[IncidentAction]) -> str:
    """Says that the room is archived now, and what of the follow-through was left open."""
    resolved = f" was resolved {slack_date(incident.resolved_at)}" if incident.resolved_at else " is resolved"
    if incident.postmortem_done_at is not None and incident.postmortem_url:
        postmortem = f"Its post-mortem: <{incident.postmortem_url}>."
    else:
        postmortem = "Its post-mortem was not marked done."
    still_open = [a.number for a in actions if a.done_at is None]
    if still_open:
        items = ", ".join(str(n) for n in still_open)
        follow = (f" Action item{'s' if len(still_open) > 1 else ''} {items} "
                  f"{'are' if len(still_open) > 1 else 'is'} still open (past due); their reminders stop here, "
                  f"and `/incident action done #{incident.id} N` marks one done from anywhere.")
    elif actions:
        follow = " Every action item is done."
    else:
        follow = ""
    return (f":file_cabinet: Incident #{incident.id}{resolved}. {postmortem}{follow} This war room is archived "
            "now: it stays readable and searchable, and `/incident` commands no longer work in it "
            f"(`/incident actions #{incident.id}` lists its action items from anywhere).")
