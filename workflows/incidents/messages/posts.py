"""What an incident posts: the pinned declaration (the practice's "INCIDENT DECLARED"
form), the announcement in the incidents channel, status updates, the notices of role
and severity changes, the war room's topic and purpose, the reminders, and help.

Pure functions of the incident's state. User text (title, impact, updates, summaries)
is stored as people wrote it and escaped here; user and channel ids are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.policy.schema import AppConfig
from workflows.policy.durations import format_duration
from models.incidents import Incident, IncidentStatus
from workflows.block_text import HEADER_TEXT_MAX, cap, escape, link, mrkdwn, plain, slack_date, user
from workflows.incidents.rules import external_cadence, update_cadence
from workflows.incidents.messages.private import build_private_announcement, private_announcement_text

TOPIC_MAX = 250  # Slack's limit for a topic and for a purpose


@dataclass(frozen=True)
class TicketRef:
    """The ticket an incident was declared from, as its messages show it."""

    number: int
    permalink: str | None


def priority_label(config: AppConfig, priority: str) -> str:
    try:
        return f"{priority} · {config.priority(priority).name}"
    except KeyError:
        return priority


def duration_text(delta: timedelta) -> str:
    """``1h 5m``; under a minute: ``under a minute``."""
    minutes = max(0, int(delta.total_seconds() // 60))
    return format_duration(timedelta(minutes=minutes)) if minutes else "under a minute"


def ago_text(delta: timedelta) -> str:
    """``15 min``, ``1 h``, ``1 h 20 min``."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def incident_label(incident: Incident) -> str:
    return f"Incident #{incident.id}"


def _room(incident: Incident) -> str:
    return f"<#{incident.channel_id}>" if incident.channel_id else "—"


def _every(period: timedelta | None) -> str:
    return f"every {format_duration(period)}" if period else "no fixed cadence"


# --------------------------------------------------------------------------- war room


def topic_text(incident: Incident, config: AppConfig) -> str:
    status = "RESOLVED" if incident.status == IncidentStatus.RESOLVED else "Open"
    parts = [priority_label(config, incident.priority), status, f"Commander: {user(incident.commander_id)}"]
    if incident.comms_id:
        parts.append(f"Comms: {user(incident.comms_id)}")
    return cap(" | ".join(parts), TOPIC_MAX)


def purpose_text(incident: Incident) -> str:
    return cap(f"War room of incident #{incident.id}: {escape(incident.title)}", TOPIC_MAX)


def _current_actions(incident: Incident, config: AppConfig, oncall_id: str | None, paged: bool) -> list[str]:
    if incident.status == IncidentStatus.RESOLVED:
        return [f"Resolved by {user(incident.resolved_by)}; post-mortem draft posted here",
                "Post-mortem due " + (slack_date(incident.postmortem_due_at) if incident.postmortem_due_at else "soon")]
    actions = [f"{user(incident.commander_id)} commands from this channel"]
    if paged:
        actions.append(f"On-call paged ({user(oncall_id)})")
    elif oncall_id:
        actions.append(f"On-call {user(oncall_id)} invited")
    actions.append(f"Status updates here {_every(update_cadence(config, incident.priority))}: `/incident update …`")
    external = external_cadence(config, incident.priority)
    if external:
        who = user(incident.comms_id) if incident.comms_id else \
            "comms lead not assigned yet (`/incident role comms @…`)"
        actions.append(f"Customer updates {_every(external)}: {who}")
    return actions


def build_declaration_message(
    incident: Incident, config: AppConfig, *, oncall_id: str | None, paged: bool, ticket: TicketRef | None = None,
) -> list[dict[str, Any]]:
    """The pinned declaration in the war room, re-rendered from state after each change."""
    resolved = incident.status == IncidentStatus.RESOLVED
    head = "✅ INCIDENT RESOLVED" if resolved else "🚨 INCIDENT DECLARED"
    impact = escape(incident.description) if incident.description else \
        "_Not assessed yet: say who is affected, and how many, in the first update._"
    lines = [
        f"*Title:* {escape(incident.title)}",
        f"*Impact:* {impact}",
        f"*Started:* {slack_date(incident.declared_at)}",
        f"*Commander:* {user(incident.commander_id)}"
        + (f"   *Comms:* {user(incident.comms_id)}" if incident.comms_id else ""),
        f"*War room:* {_room(incident)}",
    ]
    if ticket is not None:
        lines.append(f"*Ticket:* {link(ticket.permalink, f'#{ticket.number}')}")
    actions = "\n".join(f"• {a}" for a in _current_actions(incident, config, oncall_id, paged))
    if resolved and incident.resolved_at:
        last = (f"*Resolved:* {slack_date(incident.resolved_at)} after "
                f"{duration_text(incident.resolved_at - incident.declared_at)}")
    elif incident.next_update_due_at:
        last = f"*Next update due:* {slack_date(incident.next_update_due_at)}"
    else:
        last = "*Next update due:* when there is news (no fixed cadence for this priority)"
    return [
        {"type": "header", "text": plain(f"{head} – {incident.priority}", HEADER_TEXT_MAX)},
        {"type": "section", "text": mrkdwn("\n".join(lines))},
        {"type": "section", "text": mrkdwn(f"*Current actions:*\n{actions}")},
        {"type": "section", "text": mrkdwn(last)},
        {"type": "context", "elements": [mrkdwn(
            f"{incident_label(incident)} · {escape(priority_label(config, incident.priority))} · declared by "
            f"{user(incident.declared_by)} · `/incident help` lists the commands")]},
    ]


def declaration_text(incident: Incident) -> str:
    head = "INCIDENT RESOLVED" if incident.status == IncidentStatus.RESOLVED else "INCIDENT DECLARED"
    return cap(f"{head} – {incident.priority}: {escape(incident.title)}", 3000)


# --------------------------------------------------------------------------- incidents channel


def build_announcement_message(
    incident: Incident, config: AppConfig, *, ticket: TicketRef | None = None,
) -> list[dict[str, Any]]:
    """The incident's message in the incidents channel, kept current (status, commander);
    for a private incident, only that there is one and who commands it."""
    if incident.private:
        return build_private_announcement(incident)
    resolved = incident.status == IncidentStatus.RESOLVED
    icon = "✅" if resolved else "🚨"
    state = f"{icon} Resolved" if resolved else f"{icon} Open"
    fields = [
        f"*Priority*\n{escape(priority_label(config, incident.priority))}",
        f"*Status*\n{state}",
        f"*Commander*\n{user(incident.commander_id)}",
        f"*War room*\n{_room(incident)}",
        f"*Started*\n{slack_date(incident.declared_at)}",
        f"*Last update*\n{slack_date(incident.last_update_at) if incident.last_update_at else '—'}",
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"*{icon} {incident_label(incident)} – {incident.priority}:* "
                                           f"{escape(incident.title)}")},
        {"type": "section", "fields": [mrkdwn(f) for f in fields]},
    ]
    if resolved and incident.resolved_at:
        summary = f": {escape(incident.summary)}" if incident.summary else ""
        blocks.append({"type": "section", "text": mrkdwn(
            f"*Resolved* {slack_date(incident.resolved_at)} after "
            f"{duration_text(incident.resolved_at - incident.declared_at)}{summary}")})
    note = f"Join {_room(incident)} to help" if not resolved else f"Post-mortem in {_room(incident)}"
    if ticket is not None:
        note += f" · from ticket {link(ticket.permalink, f'#{ticket.number}')}"
    blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    return blocks


def announcement_text(incident: Incident) -> str:
    if incident.private:
        return private_announcement_text(incident)
    verb = "resolved" if incident.status == IncidentStatus.RESOLVED else "declared"
    return cap(f"Incident #{incident.id} {verb} – {incident.priority}: {escape(incident.title)} "
               f"in {_room(incident)}", 3000)


# --------------------------------------------------------------------------- updates and notices


def build_status_update_message(
    incident: Incident, config: AppConfig, *, author_id: str, text: str, at: datetime, cross_post: bool = False,
) -> list[dict[str, Any]]:
    """A status update as posted in the war room (and, ``cross_post``, in the incidents channel)."""
    where = f" in {_room(incident)}" if cross_post else ""
    due = (f" · next update due {slack_date(incident.next_update_due_at)}"
           if incident.next_update_due_at and not cross_post else "")
    return [
        {"type": "section", "text": mrkdwn(
            f":large_blue_circle: *Status update · {incident_label(incident)} – {incident.priority}:* "
            f"{escape(incident.title)}")},
        {"type": "section", "text": mrkdwn(escape(text))},
        {"type": "context", "elements": [mrkdwn(f"Posted by {user(author_id)}{where} · {slack_date(at)}{due}")]},
    ]


def status_update_text(incident: Incident, text: str) -> str:
    return cap(f"Status update, incident #{incident.id}: {escape(text)}", 3000)


def commander_changed_text(incident: Incident, *, previous: str, by: str) -> str:
    who = "" if by in (previous, incident.commander_id) else f" (handed over by {user(by)})"
    return (f":arrows_counterclockwise: {user(previous)} handed command of incident #{incident.id} to "
            f"{user(incident.commander_id)}{who}. {user(incident.commander_id)} is now the incident commander.")


def comms_assigned_text(incident: Incident, *, by: str) -> str:
    return (f":mega: {user(incident.comms_id)} is the communications lead of incident #{incident.id} "
            f"(assigned by {user(by)}): customer-facing updates, status page, email.")


def severity_changed_text(incident: Incident, config: AppConfig, *, previous: str, by: str,
                          paged: bool | None) -> str:
    """``paged``: True when on-call was paged now, False when its open page was updated,
    None when the change pages nobody."""
    direction = "raised" if incident.priority < previous else "lowered"
    due = (f" Next status update due {slack_date(incident.next_update_due_at)} "
           f"({_every(update_cadence(config, incident.priority))})." if incident.next_update_due_at else "")
    page = {True: " On-call has been paged.", False: " On-call's open page now says so.", None: ""}[paged]
    return (f":rotating_light: {user(by)} {direction} incident #{incident.id} from {previous} to "
            f"*{escape(priority_label(config, incident.priority))}*.{due}{page}")


def external_update_text(incident: Incident, *, author_id: str, text: str, note: str | None = None,
                         status: str | None = None) -> str:
    """``note``: what became of it on the status page (``workflows/incidents/statuspage.py``);
    ``status``: the status it gives the incident there (investigating, identified, monitoring)."""
    due = (f" Next customer update due {slack_date(incident.next_external_update_due_at)}."
           if incident.next_external_update_due_at else "")
    said = f" (status: *{status}*)" if status else ""
    return f":mega: {user(author_id)} updated customers{said}: {escape(text)}{due}{' ' + note if note else ''}"


def reminder_text(incident: Incident, *, now: datetime, external: bool) -> str:
    """The cadence reminder: to the commander (status) or the comms lead (customers)."""
    if external:
        since = incident.last_external_update_at
        ago = f"customers last heard from us {ago_text(now - since)} ago" if since else \
            f"no customer update since the declaration {ago_text(now - incident.declared_at)} ago"
        who = user(incident.comms_id) if incident.comms_id else \
            f"{user(incident.commander_id)} (no communications lead yet: `/incident role comms @someone`)"
        return (f"{who} :mega: Customer update due — {ago}. Update the status page or email, then record it "
                f"with `/incident external what customers were told`.")
    since = incident.last_update_at
    ago = f"last update {ago_text(now - since)} ago" if since else \
        f"last update {ago_text(now - incident.declared_at)} ago (the declaration)"
    return (f"{user(incident.commander_id)} :alarm_clock: Status update due — {ago}. "
            f"Post one with `/incident update what changed, what is next`.")


def resolution_text(incident: Incident) -> str:
    assert incident.resolved_at is not None
    summary = f"\n>{escape(incident.summary)}" if incident.summary else ""
    return (f":white_check_mark: {user(incident.resolved_by)} resolved incident #{incident.id} "
            f"({incident.priority}: {escape(incident.title)}) after "
            f"{duration_text(incident.resolved_at - incident.declared_at)}.{summary}")


HELP_TEXT = "\n".join([
    "*/incident* — run an incident from its war room",
    "`/incident declare P0|P1|P2 title…` declare: war room, pinned declaration, announcement, page (P0/P1)",
    "`/incident declare --private P1 title…` the same with a private war room, announced without details",
    "`/incident declare` the same with a form (title, priority, description, commander)",
    "In the war room:",
    "`/incident update what changed…` post a status update (restarts the update reminders)",
    "`/incident commander @someone` hand over command",
    "`/incident role comms @someone` name the communications lead",
    "`/incident external [investigating|identified|monitoring] what customers were told` record a customer "
    "update (restarts its reminders; published on the status page when app.yaml has `statuspage`, with that "
    "status when given, else the status stays as it was)",
    "`/incident severity P0|P1|P2` change the priority",
    "`/incident resolve [summary]` resolve: stops the reminders, resolves the page, posts the post-mortem draft",
    "`/incident postmortem` post the post-mortem draft again",
    "`/incident postmortem owner @someone` name its owner · `/incident postmortem done URL` mark it done",
    "`/incident action @owner YYYY-MM-DD what to do` add an action item (the owner is reminded when it is due)",
    "`/incident actions` list the action items · `/incident action done N` mark one done",
    "Anywhere (a DM with the bot, after the war room is archived), with the incident's number:",
    "`/incident actions #12` · `/incident action done #12 N` · `/incident postmortem done #12 URL`",
])
