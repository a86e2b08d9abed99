"""The words of SLA notices: warnings, breaches, the management notice, and the digest
that lists the notices waiting for a tier channel together (a storm).

Each notice is owed to the tier channel on its own (``workflows/sla/engine.py``), marked
``sla_digest_mark(kind)``. When enough of them wait in one channel as the relay takes
the first (``workflows/outbox/digests.py`` says how many), the channel gets one message
listing them, each line the notice's own text (already escaped, its ``#N`` linked to the
ticket's card where the permalink was known), instead of a message per notice; each
ticket's thread still gets its own notice. A single notice is sent exactly as it was owed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflows.policy.desk import Tier
from workflows.policy.schema import AppConfig
from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket
from workflows.block_text import cap, escape, link, slack_date
from workflows.outbox.digests import BULLET
from workflows.policy.durations import format_duration
from workflows.sla.targets import format_remaining

LATE_AFTER = timedelta(seconds=60)
#: The digest group of the SLA notices owed to tier channels.
SLA_DIGEST = "sla"

_CLOCK = {
    Kind.FIRST_RESPONSE_WARNING: "first response", Kind.FIRST_RESPONSE_BREACH: "first response",
    Kind.RESOLUTION_WARNING: "resolution", Kind.RESOLUTION_BREACH: "resolution",
    Kind.NEXT_RESPONSE_WARNING: "next response", Kind.NEXT_RESPONSE_BREACH: "next response",
    Kind.TIER_RESPONSE_WARNING: "tier response", Kind.TIER_RESPONSE_BREACH: "tier response",
}
_WHY = {"first response": "nobody has replied yet", "resolution": "still open", "next response": "the reporter is waiting for an answer",
        "tier response": "escalated, and nobody has answered since"}


@dataclass(frozen=True)
class SlaNotice:
    kind: Kind
    ticket: Ticket
    due_at: datetime
    now: datetime
    escalated_to: Tier | None = None
    paged: bool = False
    stays_at: str | None = None  # due to escalate, but already at the last tier of its path (this one)
    mention: str | None = None  # Slack markup heading a management notice
    clock_tier: str | None = None  # the tier whose response clock ran out (before an escalation moved it)


def _late(notice: SlaNotice) -> str:
    if notice.now - notice.due_at <= LATE_AFTER:
        return ""
    return f" _(sent late: it was due {slack_date(notice.due_at)} while supportbot was not running)_"


def _ticket_ref(ticket: Ticket) -> str:
    return f"{link(ticket.permalink, f'#{ticket.number}')} {ticket.priority} “{escape(cap(ticket.summary, 80))}”"


def _target(ticket: Ticket, clock: str) -> datetime | None:
    return {"first response": ticket.first_response_due_at, "resolution": ticket.resolution_due_at,
            "next response": ticket.next_response_due_at, "tier response": ticket.tier_response_due_at}[clock]


def _tier_name(config: AppConfig, tier_id: str | None) -> str:
    if not tier_id:
        return "Triage"
    try:
        return config.tier(tier_id).name
    except KeyError:
        return tier_id


def _clock_name(clock: str, tier_id: str | None, config: AppConfig) -> str:
    """How a notice names its clock: a tier's response is named after the tier
    ("Technical response")."""
    if clock != "tier response" or not tier_id:
        return clock
    try:
        return f"{escape(config.tier(tier_id).name)} response"
    except KeyError:
        return clock


def sla_notice_text(notice: SlaNotice, config: AppConfig) -> str:
    """One message that says everything that happened (breach, escalation, page) in one place."""
    ticket, kind = notice.ticket, notice.kind
    if kind == Kind.MANAGEMENT_NOTICE:
        after = format_duration(notice.due_at - ticket.created_at)
        head = f"{notice.mention} " if notice.mention else ""
        return (f"{head}:briefcase: Management notice: {_ticket_ref(ticket)} is still unresolved after {after}. "
                f"Tier: {escape(_tier_name(config, ticket.tier))}.{_late(notice)}")
    clock = _CLOCK[kind]
    name = _clock_name(clock, notice.clock_tier or ticket.tier, config)
    if kind.value.endswith("warning"):
        remaining = format_remaining(notice.now, _target(ticket, clock) or notice.due_at)
        return (f":hourglass_flowing_sand: SLA warning — {_ticket_ref(ticket)} {name} {remaining} — "
                f"{_WHY[clock]}. At risk of breaching.{_late(notice)}")
    # The clock's own due time: a breach re-armed by a priority change fires when the
    # change is made, but the target was missed earlier.
    since = min(_target(ticket, clock) or notice.due_at, notice.due_at)
    text = (f":rotating_light: SLA breached — {_ticket_ref(ticket)} {name} overdue since "
            f"{slack_date(since)} ({_WHY[clock]}).")
    if notice.escalated_to is not None:
        text += (f" Escalated automatically to *{escape(notice.escalated_to.name)}* "
                 f"(<#{notice.escalated_to.channel}>).")
    if notice.stays_at is not None:
        text += (f" It is already at the last tier of its escalation path ({escape(notice.stays_at)}), "
                 f"so it is not escalated further.")
    if notice.paged:
        text += " On-call has been paged."
    return text + _late(notice)


# --------------------------------------------------------------------------- digest


def sla_digest_mark(kind: Kind) -> dict[str, str]:
    """The payload mark (``models.outbox.DIGEST``) of a notice owed to a tier channel."""
    return {"group": SLA_DIGEST, "kind": kind.value}


def _kind_of(mark: object) -> str:
    return str(mark.get("kind", "")) if isinstance(mark, dict) else ""


def _counts(kinds: Sequence[str]) -> str:
    tally = Counter("breached" if k.endswith("_breach") else "warning" if k.endswith("_warning")
                    else "management" if k == Kind.MANAGEMENT_NOTICE.value else "other" for k in kinds)
    parts = []
    if tally["breached"]:
        parts.append(f"{tally['breached']} breached")
    if tally["warning"]:
        parts.append(f"{tally['warning']} warning{'s' if tally['warning'] > 1 else ''}")
    if tally["management"]:
        parts.append(f"{tally['management']} management notice{'s' if tally['management'] > 1 else ''}")
    if tally["other"]:
        parts.append(f"{tally['other']} other")
    return ", ".join(parts)


def build_sla_digest_text(notices: Sequence[tuple[str, object]]) -> str:
    """The digest of ``notices`` (each: the notice's text as owed, its digest mark): a
    header naming how many and of which kinds, then one line per notice, in order."""
    kinds = [_kind_of(mark) for _text, mark in notices]
    threads = "" if Kind.MANAGEMENT_NOTICE.value in kinds else "; each ticket's thread has its own"
    header = f":bell: *{len(notices)} SLA notices at once* ({_counts(kinds)}){threads}:"
    return "\n".join([header, *(f"{BULLET}{text}" for text, _mark in notices)])
