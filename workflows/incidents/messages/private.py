"""What the incidents channel shows of a private incident: that there is one, and who
commands it — no title, priority, ticket or war-room link."""

from __future__ import annotations

from typing import Any

from models.incidents import Incident, IncidentStatus
from workflows.block_text import mrkdwn, user

__all__ = ["build_private_announcement", "private_announcement_text"]


def private_announcement_text(incident: Incident) -> str:
    if incident.status == IncidentStatus.RESOLVED:
        return f":lock: A private incident (#{incident.id}) was resolved; commander {user(incident.commander_id)}."
    return f":lock: A private incident was declared (#{incident.id}); commander {user(incident.commander_id)}."


def build_private_announcement(incident: Incident) -> list[dict[str, Any]]:
    return [{"type": "section", "text": mrkdwn(private_announcement_text(incident))}]
