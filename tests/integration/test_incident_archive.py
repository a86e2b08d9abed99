"""`incidents.archive_after`: a resolved incident's war room is archived that long after
the resolution, once its post-mortem and action items are done or past due, with a last
message saying so; exactly once across replicas and restarts; the follow-through's
reminders stop with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import yaml

from bot.database import make_engine, make_session_factory
from tests.conftest import REPO_ROOT
from tests.incident_steps import IC, answer, declare, kinds, load_incident, run_in_war_room, settle
from tests.paging_fixtures import start_bot
from workflows.deps import Deps
from workflows.incidents.actions import remind_action_items
from workflows.incidents.archive import archive_war_rooms
from workflows.incidents.postmortem_follow_up import remind_postmortems
from workflows.policy.loader import parse_config

OWNER = "U0OWNER01"


def archive_config(**incidents):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["incidents"].update(incidents)
    return parse_config(data)


def last_words(bot, channel: str) -> list[str]:
    return [m["text"] for m in bot.slack.messages(channel) if "This war room is archived now" in m["text"]]


async def _resolved(bot, title: str = "P1 Checkout failing"):
    incident, _ = await declare(bot, title)
    await settle(bot)
    return incident


async def test_archived_after_the_span_once_the_follow_through_is_done(database_url, fake_slack, clock):
    async with start_bot(database_url, fake_slack, clock, archive_config(archive_after="7d")) as bot:
        incident = await _resolved(bot)
        room = incident.channel_id
        # The clock reads Wednesday 2026-11-25 10:00 in New York; the item is due in 10 days.
        await run_in_war_room(bot, incident, f"action <@{OWNER}> 2026-12-05 Add an alert", then="action_added")
        await run_in_war_room(bot, incident, "resolve Rolled back", then="postmortem_posted")
        resolved_at = clock()
        deps = bot.runtime.deps

        clock.set(resolved_at + timedelta(days=6, hours=23))
        assert await archive_war_rooms(deps=deps) == 0  # not yet: the span
        clock.set(resolved_at + timedelta(days=7))
        assert await archive_war_rooms(deps=deps) == 0  # the action item is due later: the room stays
        assert fake_slack.archived == []

        await run_in_war_room(bot, incident, "postmortem done https://wiki.example/pm/7", then="postmortem_done")
        await run_in_war_room(bot, incident, "action done 1", then="action_done")
        engine = make_engine(database_url)
        try:  # two replicas and a third sweep at once: one archive
            other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config,
                         clock=deps.clock, outbox_steps=deps.outbox_steps, outbox_renderers=deps.outbox_renderers)
            results = await asyncio.gather(*(archive_war_rooms(deps=d) for d in (deps, other, deps)))
        finally:
            await engine.dispose()
        assert sum(results) == 1
        await settle(bot)
        assert fake_slack.archived == [room]
        [farewell] = last_words(bot, room)
        assert f"Incident #{incident.id} was resolved" in farewell
        assert "Its post-mortem: <https://wiki.example/pm/7>." in farewell and "Every action item is done." in farewell
        assert bot.slack.messages(room)[-1]["text"] == farewell  # the last message before the archive
        stored = await load_incident(bot, incident.id)
        assert stored.archived_at is not None and stored.archive_owed_at == clock()
        assert (await kinds(bot, incident.id)).count("archived") == 1

        clock.advance(timedelta(days=1))
        assert await archive_war_rooms(deps=deps) == 0
    # A restart archives nothing again.
    async with start_bot(database_url, fake_slack, clock, archive_config(archive_after="7d")) as bot:
        assert await archive_war_rooms(deps=bot.runtime.deps) == 0
        await settle(bot)
        assert fake_slack.archived == [room] and len(last_words(bot, room)) == 1


async def test_time_up_archives_with_the_follow_through_left_open_and_its_reminders_stop(
        database_url, fake_slack, clock):
    async with start_bot(database_url, fake_slack, clock, archive_config(archive_after="7d")) as bot:
        incident = await _resolved(bot, "P2 Search is slow")
        room = incident.channel_id
        await run_in_war_room(bot, incident, f"action <@{OWNER}> 2026-11-30 Tune the index", then="action_added")
        await run_in_war_room(bot, incident, "resolve Reindexed", then="postmortem_posted")
        deps = bot.runtime.deps
        clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # 10:00 in New York, a week later
        assert await archive_war_rooms(deps=deps) == 1  # post-mortem past due, the item overdue: time is up
        await settle(bot)
        [farewell] = last_words(bot, room)
        assert "Its post-mortem was not marked done." in farewell
        assert "Action item 1 is still open (past due); their reminders stop here, and " \
               f"`/incident action done #{incident.id} N` marks one done from anywhere." in farewell
        assert f"`/incident actions #{incident.id}` lists its action items from anywhere" in farewell
        assert fake_slack.archived == [room]
        dms_before = len(bot.slack.messages(bot.slack.dm_channel(IC)))
        clock.advance(timedelta(days=1))
        assert await remind_action_items(deps=deps) == 0
        assert await remind_postmortems(deps=deps) == 0
        await settle(bot)
        assert len(bot.slack.messages(bot.slack.dm_channel(IC))) == dms_before

        # The war room is archived: the follow-through is finished from anywhere, by the incident's number,
        # answered privately, and nothing is posted in the archived room.
        in_room = len(bot.slack.messages(room))
        dm = bot.slack.dm_channel(OWNER)
        listing = await answer(bot, f"actions #{incident.id}", user=OWNER, channel=dm)
        assert f"Action items of incident #{incident.id}" in listing and "Tune the index" in listing
        assert "*overdue*" in listing
        done = await answer(bot, f"action done #{incident.id} 1", user=OWNER, channel=dm)
        assert done.startswith(f":white_check_mark: Action item 1 of incident #{incident.id} is done "
                               f"(marked by <@{OWNER}>): Tune the index")
        assert "already done" in await answer(bot, f"action done #{incident.id} 1", user=OWNER, channel=dm)
        assert "· done" in await answer(bot, f"actions #{incident.id}")
        pm = await answer(bot, f"postmortem done #{incident.id} https://wiki.example/pm/9")
        assert pm.startswith(f":white_check_mark: The post-mortem of incident #{incident.id} is done: "
                             "<https://wiki.example/pm/9>")
        await settle(bot)
        assert len(bot.slack.messages(room)) == in_room
        assert (await kinds(bot, incident.id))[-2:] == ["action_done", "postmortem_done"]
        assert "There is no incident #999." in await answer(bot, "action done #999 1", user=OWNER, channel=dm)


async def test_a_room_someone_archived_already_is_recorded_and_nothing_is_posted_in_it(
        database_url, fake_slack, clock):
    async with start_bot(database_url, fake_slack, clock, archive_config(archive_after="2d")) as bot:
        incident = await _resolved(bot)
        room = incident.channel_id
        await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
        fake_slack.channels[room]["is_archived"] = True  # archived by a person meanwhile
        clock.advance(timedelta(days=2, minutes=1))
        assert await archive_war_rooms(deps=bot.runtime.deps) == 1
        await settle(bot)
        assert last_words(bot, room) == [] and fake_slack.archived == []
        assert (await load_incident(bot, incident.id)).archived_at is not None


async def test_without_archive_after_war_rooms_stay_open(bot, clock):
    incident = await _resolved(bot)
    await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
    clock.advance(timedelta(days=60))
    assert await archive_war_rooms(deps=bot.runtime.deps) == 0
    assert bot.slack.archived == []
