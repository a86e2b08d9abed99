"""What the war room hears about the status page: where customers follow the incident,
an update the status page did not take yet (and when it finally did), one it refused."""

from __future__ import annotations

from datetime import datetime

from models.incidents import Incident
from workflows.block_text import escape, slack_date

__all__ = ["statuspage_failing_text", "statuspage_posted_text", "statuspage_recovered_text",
           "statuspage_refused_text", "what_text"]


def what_text(kind: str) -> str:
    return "the resolution" if kind == "resolve" else "the customer update"


def statuspage_posted_text(incident: Incident, *, tries: int | None = None) -> str:
    """``tries``: how many it took, when earlier ones failed (and the war room was told)."""
    link = f": <{incident.statuspage_url}>" if incident.statuspage_url else ""
    after = f" (it took the customer update after {tries} tries)" if tries else ""
    return f":globe_with_meridians: Incident #{incident.id} is on the status page{link}{after}"


def statuspage_recovered_text(incident: Incident, *, kind: str, attempts: int) -> str:
    return (f":globe_with_meridians: The status page took {what_text(kind)} of incident #{incident.id} "
            f"(after {attempts} tries).")


def statuspage_failing_text(incident: Incident, *, kind: str, error: str, retry_at: datetime) -> str:
    return (f":warning: The status page has not taken {what_text(kind)} of incident #{incident.id} yet "
            f"({escape(error[:300])}). The bot keeps trying (next try {slack_date(retry_at)}) and says here "
            "when it goes through; nothing is lost.")


def statuspage_refused_text(incident: Incident, *, kind: str, error: str) -> str:
    again = ("`/incident external text` publishes a new one" if kind != "resolve"
             else "resolve it on the status page by hand")
    return (f":x: The status page refused {what_text(kind)} of incident #{incident.id} "
            f"({escape(error[:300])}), so it is not published. Check `statuspage` in app.yaml "
            f"(`supportbot doctor` tests it), then {again}.")
