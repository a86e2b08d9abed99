"""One source of who is on call: with `oncall.pagerduty` and PAGERDUTY_API_TOKEN, pages,
re-pages and war-room invites go to PagerDuty's on-call people (found in Slack by email);
when PagerDuty does not answer, to app.yaml's rotation — and the page's mirror says which."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from models.oncall import OncallSnapshot
from tests.conftest import REPO_ROOT
from tests.fakes.pagerduty import oncall_entry
from tests.incident_steps import declare, settle
from tests.paging_fixtures import *  # noqa: F403 - pagerduty
from tests.paging_fixtures import pagerduty_settings, start_bot
from tests.ticket_steps import create_ticket
from workflows.paging.handover import hand_over_if_turned
from workflows.paging.pager import page_ticket
from workflows.paging.pagerduty_roster import refresh_pagerduty_roster
from workflows.paging.repaging import repage_unacknowledged
from workflows.paging.roster import on_duty
from workflows.policy.loader import parse_config

ONCALL = "C0ONCALL01"
PRIMARY = "U0PRIMARY1"  # the rotation's, at the FakeClock's start
ANA, BEN = "U0ANA", "U0BEN"  # PagerDuty's level 1 and level 2, in Slack


@pytest.fixture
def pd_config():
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["oncall"]["pagerduty"] = {"schedule_id": "PSCHED1"}
    return parse_config(data)


@pytest.fixture
async def pd_bot(database_url, fake_slack, clock, pd_config, pagerduty):
    now = clock()
    pagerduty.oncalls = [
        oncall_entry("Ana Ops", level=1, start=now - timedelta(days=1), end=now + timedelta(days=2),
                     email="ana@acme.example"),
        oncall_entry("Ben Backup", level=2, start=now - timedelta(days=1), end=now + timedelta(days=6),
                     email="ben@acme.example"),
        oncall_entry("Other Team", level=1, start=now - timedelta(days=1), end=now + timedelta(days=2),
                     schedule_id="POTHER1", email="other@acme.example"),
    ]
    fake_slack.add_user(ANA, name="ana", email="ana@acme.example")
    fake_slack.add_user(BEN, name="ben", email="ben@acme.example")
    # Slack-only paging (no routing key): the DMs and re-pages are ours to send.
    settings = pagerduty_settings(pagerduty, pagerduty_routing_key=None)
    async with start_bot(database_url, fake_slack, clock, pd_config, **settings) as running:
        yield running


def context_of(message: dict) -> str:
    return " ".join(e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"])


async def test_pages_and_re_pages_follow_pagerduty(pd_bot, pagerduty, clock):
    deps = pd_bot.runtime.deps
    assert await refresh_pagerduty_roster(deps=deps) is True
    [call] = pagerduty.oncall_calls()
    assert call.status == 200 and call.body["include[]"] == ["users"] and call.body["schedule_ids[]"] == ["PSCHED1"]

    ticket = await create_ticket(pd_bot, priority="P1")
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    assert (page.oncall_user_id, page.oncall_source) == (ANA, "pagerduty")
    assert page.dm_channel_id == pd_bot.slack.dm_channel(ANA)
    mirror = pd_bot.slack.message(ONCALL, page.mirror_ts)
    assert f"<@{ANA}>" in mirror["text"] and "(on call per PagerDuty)" in context_of(mirror)

    clock.advance(timedelta(minutes=15))  # P1's ack window: the secondary, PagerDuty's level 2
    assert await refresh_pagerduty_roster(deps=deps) is True
    assert await repage_unacknowledged(deps=deps) == 1
    assert pd_bot.slack.messages(pd_bot.slack.dm_channel(BEN))


async def test_war_room_invites_follow_pagerduty(pd_bot):
    assert await refresh_pagerduty_roster(deps=pd_bot.runtime.deps) is True
    incident, _ = await declare(pd_bot, "P2 Slow search")
    await settle(pd_bot)
    invited = {u for c in pd_bot.slack.calls_to("conversations.invite") for u in c.args["users"].split(",")}
    assert ANA in invited and PRIMARY not in invited


async def test_pagerduty_down_pages_the_rotation_and_the_mirror_says_so(pd_bot, pagerduty, clock):
    deps = pd_bot.runtime.deps
    assert await refresh_pagerduty_roster(deps=deps) is True
    clock.advance(timedelta(minutes=2))
    pagerduty.fail_oncalls(status=503)
    assert await refresh_pagerduty_roster(deps=deps) is False
    async with deps.sessions() as db:
        snapshot = await db.get(OncallSnapshot, "pagerduty")
        assert snapshot.failed_at == clock() and snapshot.error
    ticket = await create_ticket(pd_bot, priority="P1")
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    assert (page.oncall_user_id, page.oncall_source) == (PRIMARY, "rotation_fallback")
    mirror = pd_bot.slack.message(ONCALL, page.mirror_ts)
    assert "(on call per app.yaml's rotation (PagerDuty did not answer))" in context_of(mirror)

    clock.advance(timedelta(minutes=2))  # PagerDuty is back: its person again
    assert await refresh_pagerduty_roster(deps=deps) is True
    async with deps.sessions() as db:
        assert (await on_duty(db, deps.config, clock())).primary == ANA


async def test_an_old_answer_or_a_person_not_in_slack_falls_back_to_the_rotation(pd_bot, pagerduty, clock):
    deps = pd_bot.runtime.deps
    assert await refresh_pagerduty_roster(deps=deps) is True
    clock.advance(timedelta(minutes=16))  # no answer since: too old to page from
    async with deps.sessions() as db:
        duty = await on_duty(db, deps.config, clock())
    assert (duty.primary, duty.source) == (PRIMARY, "rotation_fallback")

    pagerduty.oncalls[0]["user"]["email"] = "nobody@acme.example"
    assert await refresh_pagerduty_roster(deps=deps) is True
    async with deps.sessions() as db:
        duty = await on_duty(db, deps.config, clock())
    assert (duty.primary, duty.source) == (PRIMARY, "rotation_fallback")


async def test_without_pagerduty_the_mirror_names_the_rotation(bot):
    ticket = await create_ticket(bot, priority="P1")
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    assert page.oncall_source == "rotation"
    assert "(on call per app.yaml's rotation)" in context_of(bot.slack.message(ONCALL, page.mirror_ts))
    assert await refresh_pagerduty_roster(deps=bot.runtime.deps) is None


async def test_hand_overs_follow_pagerduty_shift_changes_and_wait_while_it_is_down(pd_bot, pagerduty, clock):
    deps, slack = pd_bot.runtime.deps, pd_bot.slack
    start = clock()
    cara = "U0CARA"
    slack.add_user(cara, name="cara", email="cara@acme.example")
    pagerduty.oncalls.append(oncall_entry("Cara Ops", level=1, start=start + timedelta(days=2),
                                          end=start + timedelta(days=9), email="cara@acme.example"))
    assert await refresh_pagerduty_roster(deps=deps) is True
    first = await hand_over_if_turned(deps=deps)  # the bot starts watching PagerDuty's shift
    assert (first.to_primary, first.to_secondary, first.source, first.announced) == (ANA, BEN, "pagerduty", False)

    clock.set(start + timedelta(days=2, minutes=1))  # PagerDuty's shift changed, but it does not answer now
    pagerduty.fail_oncalls(status=503)
    assert await refresh_pagerduty_roster(deps=deps) is False
    assert await hand_over_if_turned(deps=deps) is None  # the rotation standing in is not a turn

    clock.advance(timedelta(minutes=2))  # PagerDuty answers again: Cara's shift
    assert await refresh_pagerduty_roster(deps=deps) is True
    turned = await hand_over_if_turned(deps=deps)
    assert (turned.from_primary, turned.to_primary, turned.to_secondary, turned.source, turned.announced) == (
        ANA, cara, BEN, "pagerduty", True)
    assert await hand_over_if_turned(deps=deps) is None
    await settle(pd_bot)
    [message] = [m for m in slack.messages(ONCALL) if m["text"].startswith(":arrows_counterclockwise:")]
    assert message["text"] == (f":arrows_counterclockwise: On-call hand-over: primary <@{ANA}> hands over to "
                               f"<@{cara}>; secondary <@{BEN}> stays on.")
