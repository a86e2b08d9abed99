"""The stats summary (pure builder), `/ticket stats` words, report rows and the reports policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from workflows.policy.reports import ReportTargets
from workflows.policy.durations import Target
from models.metrics_queries import Percentiles, Volume
from tests.policies import example_policy, example_policy_data
from tests.fakes.slack_views import validate_message_blocks
from tests.ticket_steps import mrkdwn_texts
from workflows.reports.messages import (
    build_stats_message,
    format_percent,
    format_seconds,
    stats_text,
)
from workflows.errors import InvalidRequest
from workflows.reports.metrics import PriorityStats, Ratio, SupportStats, upper_tiers
from workflows.reports.formats import format_csv, stat_rows
from workflows.reports.stats_command import DEFAULT_PERIOD, parse_stats_query

CONFIG = example_policy()
SINCE = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
UNTIL = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
NONE = Percentiles(0, None, None)


def stats(**overrides) -> SupportStats:
    p1 = PriorityStats("P1", "High", 4, Percentiles(4, 1800, 5400), Percentiles(3, 7200, 36000),
                       Ratio(3, 4), Ratio(2, 3), timedelta(hours=1), timedelta(hours=8))
    p2 = PriorityStats("P2", "Medium", 1, Percentiles(1, 90000, 90000), NONE, Ratio(1, 1), Ratio(0, 0),
                       timedelta(hours=4), timedelta(hours=24), business_hours=True)
    values = {
        "since": SINCE, "until": UNTIL, "tier": None, "category": None, "volume": Volume(5, 3, 2),
        "priorities": [p1, p2], "first_response": Percentiles(5, 1800, 90000),
        "resolution": Percentiles(3, 7200, 36000), "first_response_attainment": Ratio(4, 5),
        "resolution_attainment": Ratio(2, 3), "escalation": Ratio(1, 5), "reopen": Ratio(0, 3),
        "csat_responses": Ratio(3, 3), "csat_average": 14 / 3,
        "top_categories": [("Login <problems>", 3), ("Payment failed", 2)],
    }
    values.update(overrides)
    return SupportStats(**values)


def shown(blocks) -> str:
    return "\n".join(mrkdwn_texts(blocks))


def test_every_number_stands_against_its_target():
    blocks = build_stats_message(stats(), ReportTargets(), title="Support stats: last 1w", zone=CONFIG.zone)
    assert validate_message_blocks(blocks) == [] and len(blocks) <= 50
    text = shown(blocks)
    assert "Tickets opened Wed 18 Nov 10:00 – Wed 25 Nov 10:00 (America/New_York)" in text
    assert "first response 30m / 1h 30m (target 1h) :white_check_mark:" in text
    assert "resolution 2h / 10h (target 8h) :white_check_mark:" in text
    assert "first response 1d 1h / 1d 1h (target 4h of working time) ·" in text     # no mark: wall clock
    assert "first response 75% (3/4, target 95%) :warning:" in text
    assert "resolution — (target 80%)" in text
    assert "Escalated to Tier 3 or above: 20% (1 of 5 opened) — target at most 15% :warning:" in text
    assert "Reopened: 0% (0 of 3 resolved) — target at most 5% :white_check_mark:" in text
    assert "Satisfaction (CSAT): 4.7/5 — target at least 4.5/5 :white_check_mark:" in text
    assert "1. Login &lt;problems&gt; — 3" in text
    assert stats_text(stats(), title="T") == ("T: 5 opened, 3 resolved, 2 open; SLA met: first response 80%, "
                                              "resolution 66.7%.")


def test_the_weekly_report_shows_the_change_from_the_week_before():
    before = stats(volume=Volume(3, 3, 4), escalation=Ratio(0, 3), csat_average=4.0)
    text = shown(build_stats_message(stats(), ReportTargets(), title="Weekly", zone=CONFIG.zone, previous=before,
                                     change_label="against the week before"))
    assert "*Opened*\n5 (▲ 2)" in text and "*Resolved*\n3 (no change)" in text and "*Open at the end*\n2 (▼ 2)" in text
    assert "Escalated to Tier 3 or above: 20% (1 of 5 opened) (▲ 20.0 pts)" in text
    assert "4.7/5 (▲ 0.7)" in text and "changes against the week before" in text


def test_formats():
    assert [format_seconds(s) for s in (None, 45, 60, 5400, 234000)] == ["—", "45s", "1m", "1h 30m", "2d 17h"]
    assert [format_percent(p) for p in (None, 100.0, 66.6666, 0.0)] == ["—", "100%", "66.7%", "0%"]


def test_report_rows_are_long_format_with_targets():
    rows = {(r.metric, r.scope): r for r in stat_rows(stats(), ReportTargets())}
    assert rows[("first_response_median", "P1")].target == 3600
    assert rows[("first_response_sla", "P1")].value == 75.0 and rows[("first_response_sla", "P1")].target == 95.0
    assert rows[("csat_average", "all")].value == 4.67
    assert rows[("top_category", "Login <problems>")].value == 3
    assert format_csv([rows[("tickets_created", "all")]]).splitlines() == [
        "metric,scope,value,numerator,denominator,target,unit", "tickets_created,all,5,,,,tickets"]


def test_stats_words():
    assert parse_stats_query("", CONFIG).period == DEFAULT_PERIOD
    assert parse_stats_query("stats 30d", CONFIG).period == timedelta(days=30)
    query = parse_stats_query("stats tier2 2w", CONFIG)
    assert query.period == timedelta(weeks=2) and query.tier.id == "tier2"
    assert parse_stats_query("7d engineering", CONFIG).tier.id == "tier3"
    assert parse_stats_query("login problems", CONFIG).category.name == "Login problems"
    with pytest.raises(InvalidRequest, match="neither a tier"):
        parse_stats_query("7d <@U123>", CONFIG)
    with pytest.raises(InvalidRequest, match="between 1m and"):
        parse_stats_query("2000d", CONFIG)


def test_tier_three_and_above_are_the_tiers_after_tier2():
    assert upper_tiers(CONFIG) == ["tier3", "tier4"]


def test_the_reports_section():
    assert CONFIG.reports is None
    base = example_policy_data()
    base["reports"] = {"channel": "C0REPORTS1", "weekly": "off", "targets": {"resolution_attainment": {"P3": 50}}}
    reports = parse_config(base).reports
    assert reports.daily.hour == 9 and reports.weekly is None
    assert reports.targets.resolution_attainment == {"P0": 90.0, "P1": 85.0, "P2": 80.0, "P3": 50.0}
    base["reports"] = {"channel": "reports", "daily": "9am", "targets": {"reopen_rate": 120}}
    with pytest.raises(ConfigError) as error:
        parse_config(base)
    assert error.value.problems == [
        "reports.channel: 'reports' is not a Slack channel id (like C0123ABCDE)",
        "reports.daily: '9am' is not a time of day (use HH:MM)",
        "reports.targets.reopen_rate: 120 is not a percentage between 0 and 100 (e.g. 95)",
    ]


def test_a_working_days_target_reads_as_written():
    # A business-hours P3 with "1w" means five working days, not 168 hours.
    p3 = PriorityStats("P3", "Low", 1, Percentiles(1, 3600, 3600), NONE, Ratio(1, 1), Ratio(0, 0),
                       Target(days=1), Target(weeks=1), business_hours=True)
    text = shown(build_stats_message(stats(priorities=[p3]), ReportTargets(), title="T", zone=CONFIG.zone))
    assert "first response 1h / 1h (target 1d of working time)" in text
    assert "(target 1w of working time)" in text and "168h" not in text
