"""The on-call hand-over: at each turn one message naming who hands over to whom, with the
open pages, incidents and P0/P1 tickets — once, with two replicas sweeping at once and
after a restart; and `oncall.usergroup` set to the new primary and secondary."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import yaml
from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from models.oncall import OncallEvent, OncallHandover
from tests.conftest import REPO_ROOT
from tests.incident_steps import declare, settle, text_of
from tests.paging_fixtures import start_bot
from tests.ticket_steps import create_ticket
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.handover import hand_over_if_turned, sync_oncall_usergroup
from workflows.paging.pager import page_ticket
from workflows.policy.loader import parse_config

ONCALL, HANDOFF = "C0ONCALL01", "C0HANDOFF1"
PRIMARY, PRIMARY2 = "U0PRIMARY1", "U0PRIMARY2"
SECONDARY, SECONDARY2 = "U0SECOND01", "U0SECOND02"
TURN = datetime(2026, 11, 30, 14, tzinfo=UTC)  # Monday 09:00 in New York: PRIMARY2's week begins


def handovers(bot, channel: str = ONCALL) -> list[dict]:
    return [m for m in bot.slack.messages(channel) if m["text"].startswith(":arrows_counterclockwise: On-call hand-over")]


async def test_one_hand_over_per_turn_with_two_replicas_and_after_a_restart(bot, clock, database_url):
    deps = bot.runtime.deps
    first = await hand_over_if_turned(deps=deps)  # the bot starts watching: nobody handed over
    assert first is not None and not first.announced and first.to_primary == PRIMARY
    assert await hand_over_if_turned(deps=deps) is None
    assert handovers(bot) == []

    urgent = await create_ticket(bot, "Checkout <b>down</b>", priority="P0")
    secret = await create_ticket(bot, "Payroll leak", priority="P1", private=True)
    await create_ticket(bot, "Typo on the pricing page", priority="P3")
    await page_ticket(deps=deps, ticket_id=urgent.id, reason="SLA breach")
    incident, _ = await declare(bot, "P2 Search is slow")
    await settle(bot)

    clock.set(TURN - timedelta(seconds=1))
    assert await hand_over_if_turned(deps=deps) is None
    clock.set(TURN + timedelta(seconds=30))
    engine = make_engine(database_url)
    try:
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock)
        results = await asyncio.gather(*(hand_over_if_turned(deps=d) for d in (deps, other, deps, other)))
        assert len([r for r in results if r is not None]) == 1
        restarted = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config,
                         clock=deps.clock)
        assert await hand_over_if_turned(deps=restarted) is None
    finally:
        await engine.dispose()
    await deliver_outbox(deps)

    [message] = handovers(bot)
    assert message["text"] == (f":arrows_counterclockwise: On-call hand-over: primary <@{PRIMARY}> hands over to "
                               f"<@{PRIMARY2}>; secondary <@{SECONDARY}> hands over to <@{SECONDARY2}>.")
    body = text_of(message)
    assert f"Ticket #{urgent.number}" in body and "Checkout &lt;b&gt;down&lt;/b&gt;" in body
    assert "waiting for an acknowledgement" in body  # the open page
    assert f"Incident #{incident.id}" in body and "Search is slow" in body and f"<#{incident.channel_id}>" in body
    assert f"Ticket #{secret.number}" in body and "Payroll" not in body  # private: the number only
    assert "Typo" not in body  # a P3 is not handed over
    async with deps.sessions() as db:
        rows = list((await db.execute(select(OncallHandover).order_by(OncallHandover.id))).scalars())
        events = list((await db.execute(select(OncallEvent))).scalars())
    assert [(r.previous_id, r.to_primary, r.announced) for r in rows] == [
        (0, PRIMARY, False), (rows[0].id, PRIMARY2, True)]
    assert [e.kind for e in events] == ["handed_over"]


async def test_an_override_is_a_turn_too(bot, clock):
    deps = bot.runtime.deps
    await hand_over_if_turned(deps=deps)
    reply = await bot.sender.slash("/oncall", "override <@U0SUBST01> until 2026-11-25 18:00", user_id=PRIMARY,
                                   response_url=bot.slack.response_url("o"))
    assert reply.status == 200
    await bot.slack.wait_for_response("o")
    assert (await hand_over_if_turned(deps=deps)).to_primary == "U0SUBST01"
    clock.set(datetime(2026, 11, 25, 23, 0, 30, tzinfo=UTC))  # the override is over
    assert (await hand_over_if_turned(deps=deps)).to_primary == PRIMARY
    await deliver_outbox(deps)
    first, back = handovers(bot)
    assert f"primary <@{PRIMARY}> hands over to <@U0SUBST01>; secondary <@{SECONDARY}> stays on" in first["text"]
    assert f"primary <@U0SUBST01> hands over to <@{PRIMARY}>" in back["text"]


async def test_the_user_group_follows_the_turns_and_the_handoff_channel(database_url, fake_slack, clock):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["oncall"].update(usergroup="S0ONCALL", handoff_channel=HANDOFF)
    fake_slack.add_user_group("S0ONCALL", ["U0SOMEONE"])
    async with start_bot(database_url, fake_slack, clock, parse_config(data)) as bot:
        deps = bot.runtime.deps
        await hand_over_if_turned(deps=deps)
        assert fake_slack.usergroups_users_list({"usergroup": "S0ONCALL"})["users"] == [PRIMARY, SECONDARY]

        clock.set(TURN)
        fake_slack.fail_next("usergroups.users.update", error="fatal_error")
        assert await hand_over_if_turned(deps=deps) is not None
        assert fake_slack.usergroups_users_list({"usergroup": "S0ONCALL"})["users"] == [PRIMARY, SECONDARY]
        assert await hand_over_if_turned(deps=deps) is None  # no second hand-over…
        assert await sync_oncall_usergroup(deps=deps) is True  # …but the group is retried
        assert fake_slack.usergroups_users_list({"usergroup": "S0ONCALL"})["users"] == [PRIMARY2, SECONDARY2]
        assert await sync_oncall_usergroup(deps=deps) is False
        [update] = [c for c in fake_slack.calls_to("usergroups.users.update") if c.ok][-1:]
        assert update.args["users"] == f"{PRIMARY2},{SECONDARY2}"
        await deliver_outbox(deps)
        assert len(handovers(bot, HANDOFF)) == 1 and handovers(bot, ONCALL) == []
