"""MTTA and MTTR in the stats summary and the report rows (pure)."""

from __future__ import annotations

from models.incident_metrics_queries import MeanTime
from tests.fakes.slack_views import validate_message_blocks
from tests.ticket_steps import mrkdwn_texts
from tests.unit.test_stats_blocks import CONFIG, stats
from workflows.policy.reports import ReportTargets
from workflows.reports.formats import stat_rows
from workflows.reports.messages import build_stats_message
from workflows.reports.metrics import IncidentTimes

TIMES = IncidentTimes(acknowledge={"P1": MeanTime(3, 300), None: MeanTime(3, 300)},
                      resolve={"P1": MeanTime(1, 5400), None: MeanTime(1, 5400)})


def test_the_summary_shows_mtta_and_mttr_per_priority_with_data():
    blocks = build_stats_message(stats(incidents=TIMES), ReportTargets(), title="T", zone=CONFIG.zone)
    assert validate_message_blocks(blocks) == []
    text = "\n".join(mrkdwn_texts(blocks))
    assert "• `P1` High: MTTA 5m (3 pages) · MTTR 1h 30m (1 incident)" in text
    assert "`P2` Medium: MTTA" not in text  # nothing paged or declared at P2
    assert "• All priorities: MTTA 5m (3 pages) · MTTR 1h 30m (1 incident)" in text


def test_without_pages_or_incidents_it_says_so_and_without_the_reading_it_is_left_out():
    empty = IncidentTimes(acknowledge={None: MeanTime(0, None)}, resolve={None: MeanTime(0, None)})
    text = "\n".join(mrkdwn_texts(build_stats_message(stats(incidents=empty), ReportTargets(), title="T",
                                                      zone=CONFIG.zone)))
    assert "No page acknowledged and no incident resolved among those of this period." in text
    assert "On-call and incidents" not in str(build_stats_message(stats(), ReportTargets(), title="T",
                                                                  zone=CONFIG.zone))
    assert not [r for r in stat_rows(stats(), ReportTargets()) if r.metric in ("mtta", "mttr")]


def test_the_report_rows():
    rows = {(r.metric, r.scope): r for r in stat_rows(stats(incidents=TIMES), ReportTargets())}
    assert (rows[("mtta", "P1")].value, rows[("mtta", "P1")].denominator, rows[("mtta", "P1")].unit) == (300, 3, "seconds")
    assert (rows[("mttr", "P2")].value, rows[("mttr", "P2")].denominator) == (None, 0)
    assert rows[("mttr", "all")].value == 5400
