"""Action items: `/incident action @owner YYYY-MM-DD text`, `/incident actions`,
`/incident action done N`; the owner's reminder on the due day and each day it is
overdue (once a day, across replicas); the items in the post-mortem draft."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta

from bot.database import make_engine, make_session_factory
from tests.integration.test_report_cli import report
from tests.incident_steps import answer, declare, kinds, run_in_war_room, settle, text_of
from workflows.deps import Deps
from workflows.incidents.actions import remind_action_items

OWNER = "U0OWNER01"


def reminders(bot) -> list[str]:
    return [m["text"] for m in bot.slack.messages(bot.slack.dm_channel(OWNER)) if "Your action item" in m["text"]]


async def test_action_items_are_added_listed_reminded_and_done(bot, clock, database_url):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    room = incident.channel_id
    # The clock reads Wednesday 2026-11-25 10:00 in New York.
    await run_in_war_room(bot, incident, f"action <@{OWNER}|o> 2026-11-27 Add an alert on &lt;payment&gt; errors",
                          then="action_added")
    await run_in_war_room(bot, incident, f"action <@{OWNER}> 2026-12-01 Write the runbook", then="action_added")
    posted = [m["text"] for m in bot.slack.messages(room) if "Action item" in m["text"]]
    assert posted[0].startswith(f":memo: Action item 1 of incident #{incident.id} for <@{OWNER}>, due 2026-11-27: "
                                "Add an alert on &lt;payment&gt; errors")
    listing = await answer(bot, "actions", channel=room)
    assert "*1.* Add an alert on &lt;payment&gt; errors" in listing and "*2.* Write the runbook" in listing
    assert "due 2026-11-27 · open" in listing

    deps = bot.runtime.deps
    assert await remind_action_items(deps=deps) == 0  # nothing due yet
    clock.set(datetime(2026, 11, 27, 12, 59, tzinfo=UTC))  # 07:59 in New York: before the desk's day (08:00)
    assert await remind_action_items(deps=deps) == 0
    clock.set(datetime(2026, 11, 27, 13, 30, tzinfo=UTC))  # 08:30: the due day
    engine = make_engine(database_url)
    try:
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock)
        results = await asyncio.gather(*(remind_action_items(deps=d) for d in (deps, other, deps)))
    finally:
        await engine.dispose()
    assert sum(results) == 1
    await settle(bot)
    [due] = reminders(bot)
    assert "Your action item 1 of incident" in due and "is due today" in due and f"<#{room}>" in due
    assert f"`/incident action done #{incident.id} 1` (here or anywhere)" in due
    clock.advance(timedelta(hours=6))
    assert await remind_action_items(deps=deps) == 0  # once a day

    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # the day after: overdue
    assert await remind_action_items(deps=deps) == 1
    await settle(bot)
    assert "was due 2026-11-27 (1 day overdue)" in reminders(bot)[-1]

    await run_in_war_room(bot, incident, "action done 1", then="action_done")
    assert not any(r for name, r in bot.slack.responses.items() if name.startswith("incident-")
                   and any("is done" in (x.get("text") or "") for x in r))  # in the war room its post says it
    # Typed elsewhere (the owner's DM with the bot) with the incident's number: answered privately, and the
    # (open) war room hears it as usual.
    dm = bot.slack.dm_channel(OWNER)
    done = await answer(bot, f"action done #{incident.id} 2", user=OWNER, channel=dm)
    assert done.startswith(f":white_check_mark: Action item 2 of incident #{incident.id} is done")
    await settle(bot)
    assert any(m["text"] == done for m in bot.slack.messages(room))
    clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
    assert await remind_action_items(deps=deps) == 0
    listing = await answer(bot, "actions", channel=room)
    assert "errors — <@U0OWNER01>, due 2026-11-27 · done" in listing
    assert "already done" in await answer(bot, "action done 1", channel=room)
    assert "has no action item 7" in await answer(bot, "action done 7", channel=room)

    await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
    draft = [m for m in bot.slack.messages(room) if m["text"].startswith("Post-mortem draft")][-1]
    body = text_of(draft)
    assert "*Action items*\n*1.* Add an alert" in body and "*2.* Write the runbook" in body
    assert "Action item 1 for <@U0OWNER01>, due 2026-11-27" in body  # on the timeline too
    assert (await kinds(bot, incident.id)).count("action_added") == 2


async def test_bad_action_commands_get_a_clear_answer(bot):
    incident, _ = await declare(bot, "P2 Search is slow")
    await settle(bot)
    room = incident.channel_id
    assert "Mention the owner" in await answer(bot, "action someone 2026-12-01 Do it", channel=room)
    assert "is not a day I can read" in await answer(bot, f"action <@{OWNER}> 2026-13-01 Do it", channel=room)
    assert "is in the past" in await answer(bot, f"action <@{OWNER}> 2026-11-01 Do it", channel=room)
    assert "Give the owner" in await answer(bot, "action", channel=room)
    assert "Give the item's number" in await answer(bot, "action done two", channel=room)
    assert "works in an incident's war room, or anywhere with the incident's number: `/incident actions #12`" \
        in await answer(bot, "actions")
    assert "anywhere else name the incident: `/incident actions #12`" in await answer(bot, "actions soon")
    assert "`/incident action done #12 2` anywhere" in await answer(bot, "action done #12 two", channel=room)
    assert "There is no incident #999." in await answer(bot, "actions #999")
    assert "has no action item 4" in await answer(bot, f"action done #{incident.id} 4")
    assert "has no action items yet" in await answer(bot, "actions", channel=room)


async def test_action_items_in_supportbot_report(bot, clock, database_url):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    # Wednesday 2026-11-25 10:00 in New York.
    for text in (f"action <@{OWNER}> 2026-11-26 Add an alert", f"action <@{OWNER}> 2026-11-27 Write the runbook",
                 f"action <@{OWNER}> 2026-12-10 Load-test checkout"):
        await run_in_war_room(bot, incident, text, then="action_added")
    await run_in_war_room(bot, incident, "action done 1", then="action_done")
    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # Saturday: item 2 is a day overdue

    result = report(database_url, "--since", "7d", "--until", "2026-11-28 12:00", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {(r["metric"], r["scope"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[("action_items_added", "all")]["value"] == "3"
    assert (rows[("action_items_done", "all")]["numerator"], rows[("action_items_done", "all")]["denominator"],
            rows[("action_items_done", "all")]["value"]) == ("1", "3", "33.33")
    assert rows[("action_items_open", "all")]["value"] == "2"
    assert rows[("action_items_overdue", "all")]["value"] == "1"
    scope = f"incident #{incident.id} item 2 ({OWNER}, due 2026-11-27): Write the runbook"
    assert rows[("action_item_overdue", scope)]["value"] == "1" and rows[("action_item_overdue", scope)]["unit"] == "days"
    assert sum(1 for metric, _ in rows if metric == "action_item_overdue") == 1

    # As the period stood before anything was done (the items were added on the 25th at 10:00).
    earlier = report(database_url, "--since", "7d", "--until", "2026-11-25 09:00", "--format", "json")
    metrics = {(m["metric"], m["scope"]): m for m in json.loads(earlier.stdout)["metrics"]}
    assert metrics[("action_items_added", "all")]["value"] == 0 and metrics[("action_items_open", "all")]["value"] == 0
    table = report(database_url, "--since", "7d", "--until", "2026-11-28 12:00").stdout
    assert any(line.split()[:3] == ["action_items_overdue", "all", "1"] for line in table.splitlines())
    narrowed = report(database_url, "--since", "7d", "--until", "2026-11-28 12:00", "--format", "csv",
                      "--tier", "tier2").stdout
    assert "action_item" not in narrowed
