"""The post-mortem draft: facts, the timeline from the incident's events, the duration,
and the sections the commander fills in (the practice's debrief and root-cause steps).

``timeline_lines`` turns timeline rows into one line each; reminders are counted, not
listed. Long timelines are split over several sections and, past Slack's 50 blocks,
shortened with a note saying how many lines were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflows.policy.schema import AppConfig
from models.incident_actions import IncidentAction
from models.incidents import Incident, IncidentEvent, IncidentEventKind
from workflows.incidents.messages.actions import action_lines
from workflows.incidents.messages.posts import TicketRef, duration_text, priority_label
from workflows.block_text import SECTION_TEXT_MAX, cap, escape, link, mrkdwn, plain, slack_date, user

MESSAGE_BLOCKS_MAX = 50
LINE_MAX = 600
_QUOTE_MAX = 300
_REMINDERS = (IncidentEventKind.REMINDER_SENT, IncidentEventKind.EXTERNAL_REMINDER_SENT)
_FILL_IN = [
    ("Impact", "Who was affected, how many, for how long"),
    ("Root cause", "What broke, and why"),
    ("What went well", ""),
    ("What went wrong", ""),
    ("Action items", "Owner and date for each prevention step"),
]


def _quote(text: object) -> str:
    return escape(cap(str(text or ""), _QUOTE_MAX))


def _line(event: IncidentEvent) -> str | None:
    d = event.detail or {}
    who = user(event.actor_id) if event.actor_id else "supportbot"
    kind = event.kind
    if kind == IncidentEventKind.DECLARED:
        return f"Declared {d.get('priority', '')} by {who}, commander {user(d.get('commander'))}"
    if kind == IncidentEventKind.COMMANDER_CHANGED:
        return f"Command handed from {user(d.get('from'))} to {user(d.get('to'))} by {who}"
    if kind == IncidentEventKind.ROLE_ASSIGNED:
        return f"{user(d.get('user'))} named {escape(str(d.get('role', 'role')))} lead by {who}"
    if kind == IncidentEventKind.UPDATE_POSTED:
        return f"Status update by {who}: {_quote(d.get('text'))}"
    if kind == IncidentEventKind.EXTERNAL_UPDATE_POSTED:
        status = f" ({escape(str(d['status']))})" if d.get("status") else ""
        return f"Customers updated by {who}{status}: {_quote(d.get('text'))}"
    if kind == IncidentEventKind.SEVERITY_CHANGED:
        return f"Severity {d.get('from')} → {d.get('to')} by {who}"
    if kind == IncidentEventKind.PAGED:
        if d.get("repage_level"):
            return f"Re-paged ({user(d.get('user')) if d.get('user') else 'the team'}), not yet acknowledged"
        if d.get("repeat"):
            return f"Page still open, reason added: {_quote(d.get('reason'))}"
        paged = f" ({user(d.get('user'))})" if d.get("user") else ""
        return f"On-call paged{paged}: {_quote(d.get('reason'))}"
    if kind == IncidentEventKind.ACKNOWLEDGED:
        by = user(event.actor_id) if event.actor_id else escape(str(d.get("by") or "someone"))
        return f"Page acknowledged by {by}" + (" in PagerDuty" if d.get("via") == "pagerduty" else "")
    if kind == IncidentEventKind.ACTION_ADDED:
        return f"Action item {d.get('number')} for {user(d.get('owner'))}, due {d.get('due')}: {_quote(d.get('text'))}"
    if kind == IncidentEventKind.ACTION_DONE:
        return f"Action item {d.get('number')} done ({who})"
    if kind == IncidentEventKind.PINNED:
        said = f"{user(d.get('author'))}: " if d.get("author") else ""
        return f"Pinned by {who} — {said}“{_quote(d.get('text'))}”"
    if kind == IncidentEventKind.POSTMORTEM_OWNER_SET:
        return f"Post-mortem owner: {user(d.get('owner'))} (named by {who})"
    if kind == IncidentEventKind.POSTMORTEM_DONE:
        return f"Post-mortem done ({who}): {escape(str(d.get('url') or ''))}"
    if kind == IncidentEventKind.STATUSPAGE_SENT:
        if d.get("kind") == "resolve":
            return "Resolved on the status page"
        return "Published on the status page" + (f" ({escape(str(d['status']))})" if d.get("status") else "")
    if kind == IncidentEventKind.STATUSPAGE_FAILED:
        return f"The status page refused an update: {_quote(d.get('error'))}"
    if kind == IncidentEventKind.RESOLVED:
        summary = f": {_quote(d.get('summary'))}" if d.get("summary") else ""
        return f"Resolved by {who}{summary}"
    return None


def timeline_lines(events: Sequence[IncidentEvent]) -> list[str]:
    """One line per event worth reading: ``<time> — what happened``."""
    lines = []
    for event in events:
        text = _line(event)
        if text:
            lines.append(cap(f"{slack_date(event.at, fmt='{date_short} {time}')} — {text}", LINE_MAX))
    return lines


def _chunks(lines: list[str], limit: int = SECTION_TEXT_MAX - 20) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def build_postmortem_message(
    incident: Incident, config: AppConfig, events: Sequence[IncidentEvent], *, ticket: TicketRef | None = None,
    actions: Sequence[IncidentAction] = (),
) -> list[dict[str, Any]]:
    """The draft the commander completes; re-posted by `/incident postmortem`. ``actions``:
    the incident's action items, listed under "Action items"."""
    end = incident.resolved_at
    duration = duration_text(end - incident.declared_at) if end else "still open"
    facts = [
        f"*Incident*\n#{incident.id}: {escape(incident.title)}",
        f"*Priority*\n{escape(priority_label(config, incident.priority))}",
        f"*Commander*\n{user(incident.commander_id)}",
        f"*Communications*\n{user(incident.comms_id)}",
        f"*Declared*\n{slack_date(incident.declared_at)}",
        f"*Resolved*\n{slack_date(end) if end else '—'}",
        f"*Duration*\n{duration}",
    ]
    if ticket is not None:
        facts.append(f"*Ticket*\n{link(ticket.permalink, f'#{ticket.number}')}")
    reminders = sum(1 for e in events if e.kind in _REMINDERS)
    lines = timeline_lines(events)
    head: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"📝 Post-mortem draft · Incident #{incident.id}", 150)},
        {"type": "section", "fields": [mrkdwn(f) for f in facts[:10]]},
    ]
    if incident.summary:
        head.append({"type": "section", "text": mrkdwn(f"*Resolution*\n{escape(incident.summary)}")})
    tail: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(f"*{title}*\n_{hint or 'to be written'}_")}
                                  for title, hint in _FILL_IN if not (title == "Action items" and actions)]
    if actions:
        tail.append({"type": "section", "text": mrkdwn("*Action items*\n" + "\n".join(action_lines(actions)))})
    due = f" by {slack_date(incident.postmortem_due_at)}" if incident.postmortem_due_at else ""
    tail.append({"type": "context", "elements": [mrkdwn(
        f"{user(incident.postmortem_owner_id or incident.commander_id)}, please complete this post-mortem{due} "
        "and say so with `/incident postmortem done URL`. "
        f"{reminders} update reminder{'s' if reminders != 1 else ''} went out during the incident. "
        "`/incident postmortem` posts this draft again.")]})
    room = MESSAGE_BLOCKS_MAX - len(head) - len(tail) - 1
    chunks = _chunks(lines) or ["_No events recorded._"]
    if len(chunks) > room:
        kept = chunks[: room - 1]
        shown = sum(c.count("\n") + 1 for c in kept)
        chunks = kept + [f"_… and {len(lines) - shown} more timeline entries (in the database)._"]
    timeline = [{"type": "section", "text": mrkdwn(("*Timeline*\n" if i == 0 else "") + chunk)}
                for i, chunk in enumerate(chunks)]
    return head + timeline + tail


def postmortem_text(incident: Incident) -> str:
    return cap(f"Post-mortem draft for incident #{incident.id}: {escape(incident.title)}", 3000)
