"""Timeline capture: a :pushpin: (``incidents.pin_emoji``) reaction on a message in a war
room adds it to the incident's timeline and to the post-mortem draft — once per message,
thread replies too; other reactions and other channels are ignored."""

from __future__ import annotations

import yaml

from tests.conftest import REPO_ROOT
from tests.incident_steps import HELPER, declare, eventually, events, run_in_war_room, settle, text_of
from tests.paging_fixtures import start_bot
from workflows.policy.loader import parse_config


def reaction(channel: str, ts: str, *, name: str = "pushpin", user: str = HELPER) -> dict:
    return {"type": "reaction_added", "user": user, "reaction": name, "item_user": HELPER,
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": ts}


async def pinned(bot, incident_id: int) -> list:
    return [e for e in await events(bot, incident_id) if e.kind == "pinned"]


async def test_a_pinned_message_joins_the_timeline_and_the_postmortem(bot):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    room = incident.channel_id
    said = bot.slack.add_message(room, "Rolled back deploy 4512 &lt;canary&gt; at 15:20", user=HELPER)
    reply = bot.slack.add_message(room, "Error rate back to normal", user="U0OTHER1", thread_ts=said["ts"])
    ignored = bot.slack.add_message(room, "Coffee?", user="U0OTHER1")

    assert (await bot.sender.event(reaction(room, said["ts"]))).status == 200
    await eventually(lambda: _count(bot, incident.id, 1))
    assert (await bot.sender.event(reaction(room, said["ts"], user="U0OTHER1"))).status == 200  # pinned again
    assert (await bot.sender.event(reaction(room, reply["ts"]))).status == 200
    await eventually(lambda: _count(bot, incident.id, 2))
    assert (await bot.sender.event(reaction(room, ignored["ts"], name="thumbsup"))).status == 200
    elsewhere = bot.slack.add_message("C0GENERAL", "Unrelated", user=HELPER)
    assert (await bot.sender.event(reaction("C0GENERAL", elsewhere["ts"]))).status == 200
    await settle(bot)

    rows = await pinned(bot, incident.id)
    assert [(r.detail["text"], r.detail["author"], r.actor_id) for r in rows] == [
        ("Rolled back deploy 4512 <canary> at 15:20", HELPER, HELPER),
        ("Error rate back to normal", "U0OTHER1", HELPER)]
    assert rows[0].detail["permalink"].endswith(said["ts"].replace(".", ""))

    await run_in_war_room(bot, incident, "resolve Rolled back", then="postmortem_posted")
    draft = [m for m in bot.slack.messages(room) if m["text"].startswith("Post-mortem draft")][-1]
    body = text_of(draft)
    assert f"Pinned by <@{HELPER}> — <@{HELPER}>: “Rolled back deploy 4512 &lt;canary&gt; at 15:20”" in body
    assert "Error rate back to normal" in body and "Coffee" not in body


async def _count(bot, incident_id: int, n: int) -> bool:
    return len(await pinned(bot, incident_id)) >= n


async def test_the_pin_emoji_is_configurable(database_url, fake_slack, clock):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"]["pin_emoji"] = "round_pushpin"
    async with start_bot(database_url, fake_slack, clock, parse_config(data)) as bot:
        incident, _ = await declare(bot, "P1 Checkout failing")
        await settle(bot)
        room = incident.channel_id
        said = bot.slack.add_message(room, "Found it: the cache", user=HELPER)
        other = bot.slack.add_message(room, "Not this one", user=HELPER)
        assert (await bot.sender.event(reaction(room, other["ts"]))).status == 200  # :pushpin: is not it now
        assert (await bot.sender.event(reaction(room, said["ts"], name="round_pushpin"))).status == 200
        await eventually(lambda: _count(bot, incident.id, 1))
        await settle(bot)
        assert [r.detail["text"] for r in await pinned(bot, incident.id)] == ["Found it: the cache"]
