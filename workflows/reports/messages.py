"""The reports' messages (pure Block Kit builders): the support stats summary
(`/ticket stats`, the weekly report) and the daily digest.

Each number stands next to its target from app.yaml and a mark: :white_check_mark:
when it meets the target, :warning: when it does not, nothing without data. With
``previous`` (the period before) each headline number also shows its change.

The daily digest lists the tickets opened since yesterday, the open tickets by age, and
the overdue ones (ticket summaries are escaped).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.digest_queries import TicketsPage
from models.tickets import Ticket
from workflows.block_text import HEADER_TEXT_MAX, cap, escape, link, mrkdwn, plain
from workflows.policy.durations import Target, format_duration
from workflows.policy.reports import ReportTargets
from workflows.reports.lifecycle_stats import lifecycle_lines
from workflows.reports.metrics import IncidentTimes, PriorityStats, Ratio, SupportStats
from workflows.sla.targets import format_remaining
from workflows.tickets.messages.lists import PRIVATE_LINE, pack_lines

__all__ = ["AGE_EDGES", "DailyDigest", "age_labels", "build_daily_digest_message", "build_stats_message",
           "daily_digest_text", "format_percent", "format_seconds", "stats_text"]

MET, MISSED = ":white_check_mark:", ":warning:"
CATEGORY_MAX = 75
GAP_MAX = 80
#: Open tickets are counted as younger than 1 day, 1-3 days, 3-7 days, and older.
AGE_EDGES = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
LIST_MAX = 10
SUMMARY_MAX = 100


def format_seconds(seconds: float | None) -> str:
    """``234000`` -> ``2d 17h``; under a minute in seconds; None -> an em dash."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{int(seconds)}s"
    return format_duration(timedelta(minutes=round(seconds / 60)))


def format_percent(value: float | None) -> str:
    """``66.666`` -> ``66.7%``, ``100.0`` -> ``100%``; None -> an em dash."""
    if value is None:
        return "—"
    rounded = round(value, 1)
    return f"{rounded:.0f}%" if rounded == int(rounded) else f"{rounded:.1f}%"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else f" {MET if ok else MISSED}"


def _at_least(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target - 1e-9


def _at_most(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target + 1e-9


def _change(now: float | None, before: float | None, unit: str = "", fmt: Callable[[float], str] | None = None) -> str:
    """`` (▲ 2 vs before)``; empty when either side is missing."""
    if now is None or before is None:
        return ""
    delta = now - before
    if abs(delta) < 1e-9:
        return " (no change)"
    arrow = "▲" if delta > 0 else "▼"
    shown = fmt(abs(delta)) if fmt else f"{abs(delta):.3g}"
    return f" ({arrow} {shown}{unit})"


def _times(label: str, seconds_median: int | None, p90: int | None, target: timedelta | Target,
           working: bool) -> str:
    """Median / p90 against the target. A business-hours target counts working time only,
    so a wall-clock time is not marked against it (attainment says whether it was met)."""
    if working:
        return (f"{label} {format_seconds(seconds_median)} / {format_seconds(p90)} "
                f"(target {format_duration(target)} of working time)")
    ok = None if seconds_median is None else seconds_median <= target.total_seconds()
    return (f"{label} {format_seconds(seconds_median)} / {format_seconds(p90)} "
            f"(target {format_duration(target)}){_mark(ok)}")


def _attained(ratio: Ratio, target: float) -> str:
    if ratio.whole == 0:
        return f"— (target {format_percent(target)})"
    return (f"{format_percent(ratio.percent)} ({ratio.part}/{ratio.whole}, target {format_percent(target)})"
            f"{_mark(_at_least(ratio.percent, target))}")


def _priority_time_line(p: PriorityStats) -> str:
    return (f"• `{escape(p.priority)}` {escape(p.name)}: "
            f"{_times('first response', p.first_response.median, p.first_response.p90, p.first_response_target, p.business_hours)}"
            f" · {_times('resolution', p.resolution.median, p.resolution.p90, p.resolution_target, p.business_hours)}")


def _priority_sla_line(p: PriorityStats, targets: ReportTargets) -> str:
    first = targets.first_response_attainment.get(p.priority, 0.0)
    resolution = targets.resolution_attainment.get(p.priority, 0.0)
    return (f"• `{escape(p.priority)}` {escape(p.name)}: first response "
            f"{_attained(p.first_response_attainment, first)} · resolution "
            f"{_attained(p.resolution_attainment, resolution)}")


def _rate_lines(stats: SupportStats, targets: ReportTargets, previous: SupportStats | None) -> list[str]:
    before, pp = previous, " pts"

    def rate(label: str, ratio: Ratio, of: str, target: float, most: bool, old: Ratio | None) -> str:
        check = _at_most if most else _at_least
        bound = "at most" if most else "at least"
        counted = f"{ratio.part} of {ratio.whole} {of}" if ratio.whole else f"no tickets {of}"
        return (f"• {label}: {format_percent(ratio.percent)} ({counted})"
                f"{_change(ratio.percent, old.percent if old else None, pp, lambda d: f'{d:.1f}')}"
                f" — target {bound} {format_percent(target)}{_mark(check(ratio.percent, target))}")

    average = "no ratings" if stats.csat_average is None else f"{stats.csat_average:.1f}/5"
    csat_change = _change(stats.csat_average, before.csat_average if before else None, "", lambda d: f"{d:.1f}")
    return [
        rate("Escalated to Tier 3 or above", stats.escalation, "opened", targets.escalation_rate, True,
             before.escalation if before else None),
        rate("Reopened", stats.reopen, "resolved", targets.reopen_rate, True, before.reopen if before else None),
        (f"• Satisfaction (CSAT): {average}{csat_change} — target at least {targets.csat_average:g}/5"
         f"{_mark(_at_least(stats.csat_average, targets.csat_average))}"),
        rate("Rated by the reporter", stats.csat_responses, "resolved", targets.csat_response_rate, False,
             before.csat_responses if before else None),
    ]


def _volume_fields(stats: SupportStats, previous: SupportStats | None) -> list[dict[str, str]]:
    def field(label: str, now: int, before: int | None) -> dict[str, str]:
        return mrkdwn(f"*{label}*\n{now}{_change(now, before, '', lambda d: f'{d:.0f}')}")

    v, old = stats.volume, previous.volume if previous else None
    return [field("Opened", v.created, old.created if old else None),
            field("Resolved", v.resolved, old.resolved if old else None),
            field("Open at the end", v.open, old.open if old else None)]


def _scope_line(stats: SupportStats, zone: ZoneInfo, tier_name: str | None, change_label: str | None) -> str:
    since, until = stats.since.astimezone(zone), stats.until.astimezone(zone)
    parts = [f"Tickets opened {since:%a %d %b %H:%M} – {until:%a %d %b %H:%M} ({escape(zone.key)})"]
    if tier_name:
        parts.append(f"tier: {escape(tier_name)}")
    if stats.category:
        parts.append(f"category: {escape(stats.category)}")
    if stats.customer:
        parts.append(f"customer: {escape(stats.customer)}")
    if change_label:
        parts.append(f"changes {escape(change_label)}")
    return " · ".join(parts)


def build_stats_message(stats: SupportStats, targets: ReportTargets, *, title: str, zone: ZoneInfo,
                        tier_name: str | None = None, previous: SupportStats | None = None,
                        change_label: str | None = None) -> list[dict[str, Any]]:
    """The summary blocks (nine, one more for on-call and incidents, one more with a
    knowledge base; far below Slack's 50); the period is shown in ``zone``."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(cap(title, HEADER_TEXT_MAX))},
        {"type": "context", "elements": [mrkdwn(_scope_line(stats, zone, tier_name,
                                                           change_label if previous else None))]},
        {"type": "section", "fields": _volume_fields(stats, previous)},
        {"type": "divider"},
        _section("*Response and resolution times* (median / p90)", [_priority_time_line(p) for p in stats.priorities]),
        _section("*SLA attainment* (share of tickets answered and resolved in time)",
                 [_priority_sla_line(p, targets) for p in stats.priorities] + [_overall_sla(stats, previous)]),
        _section("*Escalations, reopens and satisfaction*", _rate_lines(stats, targets, previous)),
        _section("*Top categories*", _category_lines(stats.top_categories)),
    ]
    if stats.incidents is not None:
        blocks.append(_section("*On-call and incidents* (MTTA: page to acknowledgement · MTTR: declaration to "
                               "resolution, means)", _incident_lines(stats, stats.incidents)))
    if stats.self_service is not None:
        blocks.append(_section("*Self-service* (knowledge base)", _self_service_lines(stats, targets, previous)))
    if stats.lifecycle is not None:
        blocks.append(_section("*Lifecycle*", lifecycle_lines(stats.lifecycle, format_seconds, zone)))
    return blocks


def _incident_lines(stats: SupportStats, times: IncidentTimes) -> list[str]:
    """One line per priority with pages or incidents, then all of them."""
    def counted(mean: int | None, count: int, of: str) -> str:
        return f"{format_seconds(mean)} ({count} {of}{'' if count == 1 else 's'})" if count else "—"

    lines = []
    for p in stats.priorities:
        ack, res = times.mtta(p.priority), times.mttr(p.priority)
        if ack.count or res.count:
            lines.append(f"• `{escape(p.priority)}` {escape(p.name)}: MTTA {counted(ack.mean, ack.count, 'page')}"
                         f" · MTTR {counted(res.mean, res.count, 'incident')}")
    ack, res = times.mtta(), times.mttr()
    if not (ack.count or res.count):
        return ["No page acknowledged and no incident resolved among those of this period."]
    return lines + [f"• All priorities: MTTA {counted(ack.mean, ack.count, 'page')} · "
                    f"MTTR {counted(res.mean, res.count, 'incident')}"]


def _self_service_lines(stats: SupportStats, targets: ReportTargets, previous: SupportStats | None) -> list[str]:
    """Deflection rate against its target, then the most asked questions without an answer."""
    service = stats.self_service
    assert service is not None
    ratio, target = service.deflection, targets.deflection_rate
    old = previous.self_service.deflection if previous and previous.self_service else None
    counted = (f"{ratio.part} answered by an article, {ratio.whole - ratio.part} ticket(s) opened"
               if ratio.whole else "no questions and no tickets")
    rate = (f"• Answered without a ticket (deflection rate): {format_percent(ratio.percent)} ({counted})"
            f"{_change(ratio.percent, old.percent if old else None, ' pts', lambda d: f'{d:.1f}')}"
            f" — target at least {format_percent(target)}{_mark(_at_least(ratio.percent, target))}")
    lines = [rate]
    if service.gaps is None:
        return lines
    if not service.gaps:
        return lines + ["• Questions without a good answer: none."]
    lines.append("• Asked most without a good answer (write these articles next):")
    lines += [f"    {i}. “{escape(cap(' '.join(gap.query.split()), GAP_MAX))}” — {gap.count}×"
              for i, gap in enumerate(service.gaps, 1)]
    return lines


def _overall_sla(stats: SupportStats, previous: SupportStats | None) -> str:
    def part(ratio: Ratio, old: Ratio | None) -> str:
        return (f"{format_percent(ratio.percent)} ({ratio.part}/{ratio.whole})"
                f"{_change(ratio.percent, old.percent if old else None, ' pts', lambda d: f'{d:.1f}')}")

    return (f"• All priorities: first response {part(stats.first_response_attainment, previous.first_response_attainment if previous else None)}"
            f" · resolution {part(stats.resolution_attainment, previous.resolution_attainment if previous else None)}")


def _category_lines(categories: Sequence[tuple[str, int]]) -> list[str]:
    if not categories:
        return ["No tickets opened in this period."]
    return [f"{i}. {escape(cap(name, CATEGORY_MAX))} — {n}" for i, (name, n) in enumerate(categories, 1)]


def _section(title: str, lines: list[str]) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn("\n".join([title, *lines]))}


def stats_text(stats: SupportStats, *, title: str) -> str:
    """The notification / fallback text of the summary (plain words, no user text)."""
    v = stats.volume
    return (f"{title}: {v.created} opened, {v.resolved} resolved, {v.open} open; SLA met: first response "
            f"{format_percent(stats.first_response_attainment.percent)}, resolution "
            f"{format_percent(stats.resolution_attainment.percent)}.")


# --------------------------------------------------------------------------- daily digest


@dataclass(frozen=True)
class DailyDigest:
    """What the digest says: ``new`` opened in ``[since, until)``; ``open_by_age`` and
    ``overdue`` as they stand at ``now``."""

    since: datetime
    until: datetime
    now: datetime
    new: TicketsPage
    open_by_age: list[int]
    overdue: TicketsPage


def age_labels() -> list[str]:
    return ["under 1 day", "1–3 days", "3–7 days", "over 7 days"]


def _digest_title(digest: DailyDigest, zone: ZoneInfo) -> str:
    return f"Daily support digest: {digest.until.astimezone(zone):%a %d %b %Y}"


def _overdue_clock(ticket: Ticket, now: datetime) -> str:
    """Which SLA clock of an open ticket is past due, and by how much ("" if none)."""
    clocks = [("first response", ticket.first_response_due_at if ticket.first_response_at is None else None),
              ("next response", ticket.next_response_due_at),
              ("resolution", ticket.resolution_due_at if ticket.waiting_since is None else None)]
    late = [(due, name) for name, due in clocks if due is not None and due < now]
    if not late:
        return ""
    due, name = min(late)
    return f" · {name} {format_remaining(now, due)}"


def ticket_line(ticket: Ticket, now: datetime) -> str:
    """``• #12 `P1` Cannot log in (Login problems) · first response overdue by 2h``; a
    private ticket without its summary (the reports channel is not its audience)."""
    ref = f"*{link(ticket.permalink, f'#{ticket.number}')}*"
    summary = PRIVATE_LINE if ticket.private else escape(cap(ticket.summary, SUMMARY_MAX))
    return f"• {ref} `{escape(ticket.priority)}` {summary} ({escape(ticket.category)}){_overdue_clock(ticket, now)}"


def _listing(page: TicketsPage, now: datetime, empty: str) -> list[str]:
    if page.total == 0:
        return [empty]
    lines = [ticket_line(ticket, now) for ticket in page.tickets]
    if page.total > len(page.tickets):
        lines.append(f"… and {page.total - len(page.tickets)} more")
    return lines


def build_daily_digest_message(digest: DailyDigest, *, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Header, the period, then the three parts (at most ~10 blocks)."""
    since, until = digest.since.astimezone(zone), digest.until.astimezone(zone)
    ages = " · ".join(f"{label}: *{n}*" for label, n in zip(age_labels(), digest.open_by_age, strict=True))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(cap(_digest_title(digest, zone), HEADER_TEXT_MAX))},
        {"type": "context", "elements": [mrkdwn(
            f"Opened {since:%a %d %b %H:%M} – {until:%a %d %b %H:%M} ({escape(zone.key)}); "
            f"open and overdue as of {digest.now.astimezone(zone):%a %d %b %H:%M}")]},
        {"type": "section", "text": mrkdwn(f"*New since yesterday: {digest.new.total}*")},
        *pack_lines(_listing(digest.new, digest.now, "No new tickets.")),
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(f"*Open: {sum(digest.open_by_age)}* by age — {ages}")},
        {"type": "section", "text": mrkdwn(f"*Overdue: {digest.overdue.total}*")},
        *pack_lines(_listing(digest.overdue, digest.now, "Nothing is overdue.")),
    ]
    return blocks[:50]


def daily_digest_text(digest: DailyDigest, *, zone: ZoneInfo) -> str:
    """The notification / fallback text."""
    return (f"{_digest_title(digest, zone)}: {digest.new.total} new, {sum(digest.open_by_age)} open, "
            f"{digest.overdue.total} overdue.")
