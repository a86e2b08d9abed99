"""The support stats as rows and documents for `supportbot report`: table, CSV, JSON.

One row per number, in long format (a spreadsheet pivots it, a BI tool loads it)::

    metric,scope,value,numerator,denominator,target,unit
    first_response_sla,P1,66.67,2,3,95.0,percent

Durations are whole seconds, percentages have two decimals; ``target`` is the least
(``*_sla``, ``csat_*``, ``deflection_rate``) or the most (``escalation_rate``,
``reopen_rate``, the times) the number should be. An empty cell: no data. ``mtta``
(mean time from a page to its acknowledgement, over the period's acknowledged pages)
and ``mttr`` (mean time from an incident's declaration to its resolution, over the
period's resolved incidents) come per priority and for all, ``denominator`` counting
them; left out when the stats are narrowed to a tier or category, as are the
incidents' action items: ``action_items_added`` (in the period), ``action_items_done``
(of those, done by its end: percent), ``action_items_open`` and ``action_items_overdue``
(open at its end, of any incident; overdue: due before its last day), and one
``action_item_overdue`` row per overdue item (scope: the incident, the item's number,
owner, due day and text; value: days overdue; the ten longest overdue). With a
knowledge base, ``deflection_rate`` (questions answered without a ticket) and one
``kb_gap`` row per question most asked without a good answer (scope: the question,
value: how often) come next. The lifecycle closes it: one ``backlog`` row per state (scope:
the state, value: tickets in it at the period's end, ``until``; the table calls them
"Backlog at <end>", the JSON document gives the moment as ``backlog_at``) and
``time_in_triage_median`` / ``_p90`` (seconds from opening to the first triage, of the
tickets first triaged in the period). In CSV a text cell that starts like a formula (``=``,
``+``, ``-``, ``@``, tab, carriage return) is prefixed with ``'`` (``workflows/reports/csv_export.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from models.incident_actions import IncidentAction
from workflows.policy.reports import ReportTargets
from workflows.reports.csv_export import write_csv
from workflows.reports.messages import format_percent, format_seconds
from workflows.reports.metrics import Ratio, SupportStats

__all__ = ["COLUMNS", "StatRow", "format_csv", "format_json", "format_table", "stat_rows", "stats_document"]

COLUMNS = ("metric", "scope", "value", "numerator", "denominator", "target", "unit")
ALL = "all"


@dataclass(frozen=True)
class StatRow:
    metric: str
    scope: str
    value: float | int | None
    unit: str
    numerator: int | None = None
    denominator: int | None = None
    target: float | int | None = None


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ratio_row(metric: str, scope: str, ratio: Ratio, target: float | None) -> StatRow:
    return StatRow(metric, scope, _pct(ratio.percent), "percent", ratio.part, ratio.whole, target)


def stat_rows(stats: SupportStats, targets: ReportTargets) -> list[StatRow]:
    """Every number of ``stats`` as a row, in a stable order."""
    v = stats.volume
    rows = [StatRow("tickets_created", ALL, v.created, "tickets"), StatRow("tickets_resolved", ALL, v.resolved, "tickets"),
            StatRow("tickets_open", ALL, v.open, "tickets")]
    for p in stats.priorities:
        rows.append(StatRow("tickets_created", p.priority, p.created, "tickets"))
    for name, overall, per, target_of in (
        ("first_response", stats.first_response, lambda p: p.first_response, lambda p: p.first_response_target),
        ("resolution", stats.resolution, lambda p: p.resolution, lambda p: p.resolution_target),
    ):
        rows += [StatRow(f"{name}_median", ALL, overall.median, "seconds", denominator=overall.count),
                 StatRow(f"{name}_p90", ALL, overall.p90, "seconds", denominator=overall.count)]
        for p in stats.priorities:
            times, target = per(p), int(target_of(p).total_seconds())
            rows += [StatRow(f"{name}_median", p.priority, times.median, "seconds", None, times.count, target),
                     StatRow(f"{name}_p90", p.priority, times.p90, "seconds", None, times.count, target)]
    rows += [_ratio_row("first_response_sla", ALL, stats.first_response_attainment, None),
             _ratio_row("resolution_sla", ALL, stats.resolution_attainment, None)]
    for p in stats.priorities:
        rows += [_ratio_row("first_response_sla", p.priority, p.first_response_attainment,
                            targets.first_response_attainment.get(p.priority)),
                 _ratio_row("resolution_sla", p.priority, p.resolution_attainment,
                            targets.resolution_attainment.get(p.priority))]
    average = None if stats.csat_average is None else round(stats.csat_average, 2)
    rows += [
        _ratio_row("escalation_rate", ALL, stats.escalation, targets.escalation_rate),
        _ratio_row("reopen_rate", ALL, stats.reopen, targets.reopen_rate),
        StatRow("csat_average", ALL, average, "rating", None, stats.csat_responses.part, targets.csat_average),
        _ratio_row("csat_response_rate", ALL, stats.csat_responses, targets.csat_response_rate),
    ]
    if stats.incidents is not None:  # MTTA: page to acknowledgement; MTTR: declaration to resolution
        for metric, of in (("mtta", stats.incidents.mtta), ("mttr", stats.incidents.mttr)):
            rows += [StatRow(metric, ALL, of().mean, "seconds", denominator=of().count)]
            rows += [StatRow(metric, p.priority, of(p.priority).mean, "seconds", denominator=of(p.priority).count)
                     for p in stats.priorities]
    if stats.action_items is not None:  # the incidents' follow-through (practice 003)
        a = stats.action_items
        rows += [StatRow("action_items_added", ALL, a.counts.added, "items"),
                 _ratio_row("action_items_done", ALL, Ratio(a.counts.done, a.counts.added), None),
                 StatRow("action_items_open", ALL, a.counts.open, "items"),
                 StatRow("action_items_overdue", ALL, a.counts.overdue, "items")]
        rows += [StatRow("action_item_overdue", _item_scope(item), (a.today - item.due_on).days, "days")
                 for item in a.overdue]
    rows += [StatRow("top_category", name, n, "tickets") for name, n in stats.top_categories]
    if stats.self_service is not None:
        rows.append(_ratio_row("deflection_rate", ALL, stats.self_service.deflection, targets.deflection_rate))
        rows += [StatRow("kb_gap", " ".join(gap.query.split())[:200], gap.count, "searches")
                 for gap in stats.self_service.gaps or []]
    if stats.lifecycle is not None:
        rows += [StatRow("backlog", state, n, "tickets") for state, n in stats.lifecycle.backlog]
        triage = stats.lifecycle.time_in_triage
        rows += [StatRow("time_in_triage_median", ALL, triage.median, "seconds", denominator=triage.count),
                 StatRow("time_in_triage_p90", ALL, triage.p90, "seconds", denominator=triage.count)]
    return rows


def _item_scope(item: IncidentAction) -> str:
    text = " ".join(item.text.split())
    return f"incident #{item.incident_id} item {item.number} ({item.owner_id}, due {item.due_on.isoformat()}): {text}"[:200]


def _cells(row: StatRow) -> list[Any]:
    return [row.metric, row.scope, row.value, row.numerator, row.denominator, row.target, row.unit]


def format_csv(rows: list[StatRow]) -> str:
    """The rows as CSV; text cells a spreadsheet would run as a formula (a ``kb_gap``
    is someone's question as they typed it) are neutralised (``workflows.reports.csv_export``)."""
    return write_csv(COLUMNS, (_cells(row) for row in rows))


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "seconds":
        return format_seconds(value)
    if unit == "percent":
        return format_percent(value)
    if unit == "rating":
        return f"{value:.2f}/5"
    return str(value)


def format_table(rows: list[StatRow], *, heading: str, labels: dict[str, str] | None = None) -> str:
    """Aligned columns for a terminal: metric, scope, value (with n/N), target (``labels``:
    how a metric is called there, e.g. ``{"backlog": "Backlog at 2026-03-03 14:30"}``)."""
    lines = [["METRIC", "SCOPE", "VALUE", "TARGET"]]
    names = labels or {}
    for row in rows:
        value = _shown(row.value, row.unit)
        if row.unit == "percent" and row.denominator is not None:
            value += f" ({row.numerator}/{row.denominator})"
        target = "" if row.target is None else _shown(row.target, row.unit)
        lines.append([names.get(row.metric, row.metric), row.scope, value, target])
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    body = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
    return "\n".join([heading, "", *body]) + "\n"


def stats_document(stats: SupportStats, targets: ReportTargets) -> dict[str, Any]:
    """A JSON-ready document: the period, the filters, and the rows."""
    return {
        "since": stats.since.isoformat(), "until": stats.until.isoformat(),
        "tier": stats.tier, "category": stats.category, "customer": stats.customer,
        **({"backlog_at": stats.lifecycle.at.isoformat()} if stats.lifecycle is not None else {}),
        "metrics": [dict(zip(COLUMNS, _cells(row), strict=True)) for row in stat_rows(stats, targets)],
    }


def format_json(stats: SupportStats, targets: ReportTargets) -> str:
    return json.dumps(stats_document(stats, targets), indent=2, ensure_ascii=False) + "\n"
