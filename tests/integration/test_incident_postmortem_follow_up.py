"""The post-mortem's owner (the commander unless `/incident postmortem owner @x`) is
reminded at `incidents.postmortem_due` after the resolution and daily after, once per
day across replicas, until `/incident postmortem done URL`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import yaml

from bot.database import make_engine, make_session_factory
from tests.conftest import REPO_ROOT
from tests.paging_fixtures import start_bot
from tests.incident_steps import HELPER, IC, answer, declare, kinds, load_incident, run_in_war_room, settle
from workflows.deps import Deps
from workflows.incidents.postmortem_follow_up import remind_postmortems
from workflows.policy.loader import parse_config


def reminded(bot, who: str) -> list[str]:
    return [m["text"] for m in bot.slack.messages(bot.slack.dm_channel(who)) if "The post-mortem of" in m["text"]]


async def test_reminded_at_48h_then_daily_until_done(bot, clock, database_url):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    await run_in_war_room(bot, incident, "resolve Rolled back", then="postmortem_posted")
    resolved_at = clock()
    deps = bot.runtime.deps
    assert (await load_incident(bot, incident.id)).postmortem_due_at == resolved_at + timedelta(hours=48)

    clock.set(resolved_at + timedelta(hours=47, minutes=59))
    assert await remind_postmortems(deps=deps) == 0
    clock.set(resolved_at + timedelta(hours=48))
    engine = make_engine(database_url)
    try:
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock)
        results = await asyncio.gather(*(remind_postmortems(deps=d) for d in (deps, other, deps)))
    finally:
        await engine.dispose()
    assert sum(results) == 1
    await settle(bot)
    [first] = reminded(bot, IC)  # the commander owns it
    assert f"The post-mortem of incident #{incident.id} (war room <#{incident.channel_id}>) was due" in first
    assert f"`/incident postmortem done #{incident.id} URL` (here or anywhere" in first

    clock.advance(timedelta(hours=23))
    assert await remind_postmortems(deps=deps) == 0
    await run_in_war_room(bot, incident, f"postmortem owner <@{HELPER}|h>", then="postmortem_owner_set")
    clock.advance(timedelta(hours=1))  # a day after the first reminder: the new owner
    assert await remind_postmortems(deps=deps) == 1
    await settle(bot)
    assert len(reminded(bot, HELPER)) == 1 and len(reminded(bot, IC)) == 1

    await run_in_war_room(bot, incident, "postmortem done <https://wiki.example/pm/42>", then="postmortem_done")
    stored = await load_incident(bot, incident.id)
    assert stored.postmortem_url == "https://wiki.example/pm/42" and stored.postmortem_done_at == clock()
    assert any("is done: <https://wiki.example/pm/42>" in m["text"] for m in bot.slack.messages(incident.channel_id))
    clock.advance(timedelta(days=3))
    assert await remind_postmortems(deps=deps) == 0
    assert (await kinds(bot, incident.id)).count("postmortem_reminded") == 2


async def test_postmortem_due_is_configurable_and_bad_input_is_answered(database_url, fake_slack, clock):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["postmortem_due"] = "24h"
    async with start_bot(database_url, fake_slack, clock, parse_config(data)) as bot:
        await _configurable(bot, clock)


async def _configurable(bot, clock):
    incident, _ = await declare(bot, "P2 Search is slow")
    await settle(bot)
    room = incident.channel_id
    assert "still open" in await answer(bot, "postmortem done https://wiki.example/pm/1", channel=room)
    assert "Give the post-mortem's link" in await answer(bot, "postmortem done soon", channel=room)
    assert "Mention the person" in await answer(bot, "postmortem owner nobody", channel=room)
    assert "names its owner" in await answer(bot, "postmortem whatever", channel=room)
    await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
    assert (await load_incident(bot, incident.id)).postmortem_due_at == clock() + timedelta(hours=24)
