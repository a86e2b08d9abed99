"""/oncall: who is primary and secondary, since and until when, and who is next —
from app.yaml's rotation, or from PagerDuty's /oncalls when configured."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import yaml

from workflows.policy.loader import parse_config
from tests.conftest import REPO_ROOT
from tests.fakes.pagerduty import oncall_entry
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, start_bot
from tests.paging_fixtures import pagerduty_settings, start_bot

DATE = re.compile(r"<!date\^(\d+)\^[^|]+\|[^>]+>")


def epochs(text: str) -> list[datetime]:
    return [datetime.fromtimestamp(int(e), UTC) for e in DATE.findall(text)]


async def ask(bot, name: str = "oncall") -> dict:
    reply = await bot.sender.slash("/oncall", "", user_id="U0AGENT01", response_url=bot.slack.response_url(name))
    assert reply.status == 200
    return (await bot.slack.wait_for_response(name))[-1]


def config_with_pagerduty(**oncall_pagerduty):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["oncall"]["pagerduty"] = oncall_pagerduty
    return parse_config(data)


async def test_oncall_answers_from_the_rotation(bot):
    answer = await ask(bot)
    assert answer["response_type"] == "ephemeral"
    text = answer["text"]
    assert text.startswith("Primary: <@U0PRIMARY1> (since <!date^")
    assert "Secondary: <@U0SECOND01>" in text and "Next: <@U0PRIMARY2>, secondary <@U0SECOND02>, from" in text
    since, until, next_from = epochs(text)
    # The rotation hands over Mondays 09:00 in New York (14:00 UTC in November).
    assert since == datetime(2026, 11, 23, 14, tzinfo=UTC) and until == next_from == since + timedelta(weeks=1)


async def test_oncall_answers_from_pagerduty(database_url, fake_slack, clock, pagerduty):
    now = clock()
    end = now + timedelta(days=2)
    pagerduty.oncalls = [
        oncall_entry("Ana <Ops>", level=1, start=now - timedelta(days=1), end=end),
        oncall_entry("Ben Backup", level=2, start=now - timedelta(days=3), end=now + timedelta(days=4)),
        oncall_entry("Cy Next", level=1, start=end, end=end + timedelta(weeks=1)),
        oncall_entry("Other Team", level=1, start=now - timedelta(days=1), end=end, schedule_id="POTHER1"),
    ]
    config = config_with_pagerduty(schedule_id="PSCHED1")
    async with start_bot(database_url, fake_slack, clock, config, **pagerduty_settings(pagerduty)) as running:
        text = (await ask(running))["text"]
    assert text.startswith("Primary: Ana &lt;Ops&gt; (since")
    assert "Secondary: Ben Backup" in text and "Next: Cy Next" in text and "Other Team" not in text
    assert epochs(text)[1] == end.replace(microsecond=0)
    [call] = [c for c in pagerduty.calls if c.path == "/oncalls"]
    assert call.status == 200 and call.headers["Authorization"] == f"Token token={pagerduty.api_token}"
    assert call.body["schedule_ids[]"] == ["PSCHED1"]


async def test_oncall_falls_back_to_the_rotation_when_pagerduty_fails(database_url, fake_slack, clock, pagerduty):
    config = config_with_pagerduty(escalation_policy_id="PPOLICY1")
    settings = pagerduty_settings(pagerduty, pagerduty_api_token="wrong-token")
    async with start_bot(database_url, fake_slack, clock, config, **settings) as running:
        answer = await ask(running)
    assert answer["text"].startswith("Primary: <@U0PRIMARY1>")
    assert "PagerDuty could not be reached" in str(answer["blocks"])
    assert [c.status for c in pagerduty.calls if c.path == "/oncalls"] == [401]
