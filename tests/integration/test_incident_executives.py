"""`incidents.executives`: one notice when a P0 is still open `after` its declaration, to
every `notify` target (users by DM, a group's members by DM, channels), once across
replicas; one more at its resolution; nothing for a P1 or a P0 resolved in time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import yaml

from bot.database import make_engine, make_session_factory
from tests.conftest import REPO_ROOT
from tests.incident_steps import declare, run_in_war_room, settle
from workflows.deps import Deps
from workflows.incidents.executives import notify_executives
from workflows.policy.loader import parse_config

CEO, CFO, CTO = "U0CEO", "U0CFO", "U0CTO"
EXEC_CHANNEL = "C0EXECS01"


@pytest.fixture
def config():
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["executives"] = {"priorities": ["P0"], "after": "15m", "notify": [CEO, "S0EXECS", EXEC_CHANNEL]}
    return parse_config(data)


@pytest.fixture(autouse=True)
def execs(fake_slack):
    fake_slack.add_user_group("S0EXECS", [CFO, CEO, CTO])


def notices(bot) -> dict[str, list[str]]:
    where = {CEO: bot.slack.dm_channel(CEO), CFO: bot.slack.dm_channel(CFO), CTO: bot.slack.dm_channel(CTO),
             EXEC_CHANNEL: EXEC_CHANNEL}
    return {who: [m["text"] for m in bot.slack.messages(ch) if "For the executives" in m["text"]]
            for who, ch in where.items()}


async def test_one_notice_after_15_minutes_and_one_at_resolution(bot, clock, database_url):
    incident, _ = await declare(bot, "P0 Checkout & payments down")
    await settle(bot)
    deps = bot.runtime.deps
    assert await notify_executives(deps=deps) == 0
    clock.advance(timedelta(minutes=14, seconds=59))
    assert await notify_executives(deps=deps) == 0

    clock.advance(timedelta(seconds=1))
    engine = make_engine(database_url)
    try:
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock)
        results = await asyncio.gather(*(notify_executives(deps=d) for d in (deps, other, deps, other)))
    finally:
        await engine.dispose()
    assert sum(results) == 1
    await settle(bot)
    told = notices(bot)
    assert all(len(texts) == 1 for texts in told.values()), told  # the CEO once, though listed twice
    text = told[CEO][0]
    assert "P0 incident #" in text and "Checkout &amp; payments down" in text and "still open 15m" in text
    assert f"<#{incident.channel_id}>" in text

    clock.advance(timedelta(minutes=30))
    await run_in_war_room(bot, incident, "resolve Rolled back", then="resolved")
    assert await notify_executives(deps=deps) == 1
    assert await notify_executives(deps=deps) == 0
    await settle(bot)
    told = notices(bot)
    assert all(len(texts) == 2 for texts in told.values()), told
    assert "was resolved after 45m" in told[CFO][1] and "Rolled back" in told[CFO][1]


async def test_nothing_for_a_p1_or_a_p0_resolved_in_time(bot, clock):
    p1, _ = await declare(bot, "P1 Slow checkout")
    p0, _ = await declare(bot, "P0 Checkout down")
    await settle(bot)
    clock.advance(timedelta(minutes=10))
    await run_in_war_room(bot, p0, "resolve Fixed fast", then="resolved")
    clock.advance(timedelta(hours=1))
    deps = bot.runtime.deps
    assert await notify_executives(deps=deps) == 0
    await settle(bot)
    assert not any(notices(bot).values())


def test_bad_executives_keys_are_named():
    from workflows.policy.problems import ConfigError
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["executives"] = {"priorities": ["P9"], "after": "soon", "notify": ["ceo@acme"]}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    problems = info.value.problems
    assert any(p.startswith("incidents.executives.priorities[0]:") for p in problems), problems
    assert any(p.startswith("incidents.executives.after:") for p in problems), problems
    assert "incidents.executives.notify[0]: 'ceo@acme' is not a Slack user (U…), user group (S…) or channel (C…) id" \
        in problems
    data["incidents"]["executives"] = {"priorities": ["P0"]}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.problems == ["incidents.executives.notify: missing"]
