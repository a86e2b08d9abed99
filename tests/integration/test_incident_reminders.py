"""The update cadences on a moved clock: a reminder each period without an update, none
after an update until the next period, re-armed by a severity change, stopped by
resolution, exactly once across two sweepers on one database."""

from __future__ import annotations

import dataclasses
import asyncio
from datetime import timedelta

from bot.database import make_engine, make_session_factory
from tests.incident_steps import COMMS, IC, declare, events, load_incident, run_in_war_room, settle, text_of
from workflows.incidents.reminders import fire_due_incident_reminders, next_incident_due_at


async def fire(bot) -> int:
    return await fire_due_incident_reminders(deps=bot.runtime.deps)


def reminders(bot, incident, word: str = "Status update due") -> list[str]:
    return [text_of(m) for m in bot.slack.messages(incident.channel_id) if word in (m.get("text") or "")]


async def test_a_reminder_each_period_without_an_update(bot, clock):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    clock.advance(timedelta(minutes=29, seconds=59))
    await fire(bot)
    assert reminders(bot, incident) == []
    clock.advance(timedelta(seconds=1))
    await fire(bot)
    [first] = reminders(bot, incident)
    assert first.startswith(f"<@{IC}> :alarm_clock: Status update due — last update 30 min ago (the declaration)")
    await fire(bot)
    clock.advance(timedelta(minutes=29))
    await fire(bot)
    assert len(reminders(bot, incident)) == 1
    clock.advance(timedelta(minutes=1))
    await fire(bot)
    assert reminders(bot, incident)[-1].startswith(f"<@{IC}> :alarm_clock: Status update due — last update 1 h ago")
    assert len(reminders(bot, incident)) == 2
    rows = [e for e in await events(bot, incident.id) if e.kind == "reminder_sent"]
    assert [r.detail["due_at"] for r in rows] == [(incident.declared_at + timedelta(minutes=m)).isoformat()
                                                  for m in (30, 60)]


async def test_an_update_silences_reminders_until_a_full_period_after_it(bot, clock):
    incident, _ = await declare(bot, "P0 Payments down")
    clock.advance(timedelta(minutes=10))
    await run_in_war_room(bot, incident, "update Failing over the database", then="update_posted")
    clock.advance(timedelta(minutes=5))  # the declaration's 15 minutes are up, but an update came
    await fire(bot)
    assert reminders(bot, incident) == []
    clock.advance(timedelta(minutes=10))  # 15 minutes after the update
    await fire(bot)
    [reminder] = reminders(bot, incident)
    assert "last update 15 min ago" in reminder and "declaration" not in reminder


async def test_customer_update_reminders_go_to_the_comms_lead(bot, clock):
    incident, _ = await declare(bot, "P0 Payments down")
    clock.advance(timedelta(minutes=30))
    await fire(bot)
    [external] = reminders(bot, incident, "Customer update due")
    assert external.startswith(f"<@{IC}> (no communications lead yet")
    assert "no customer update since the declaration 30 min ago" in external
    await run_in_war_room(bot, incident, f"role comms <@{COMMS}>", then="role_assigned")
    clock.advance(timedelta(minutes=30))
    await fire(bot)
    latest = reminders(bot, incident, "Customer update due")[-1]
    assert latest.startswith(f"<@{COMMS}> :mega: Customer update due")
    await run_in_war_room(bot, incident, "external Status page says degraded", then="external_update_posted")
    clock.advance(timedelta(minutes=29))
    await fire(bot)
    assert len(reminders(bot, incident, "Customer update due")) == 2
    kinds = [str(e.kind) for e in await events(bot, incident.id)]
    assert kinds.count("external_reminder_sent") == 2


async def test_after_downtime_one_catch_up_reminder_not_a_burst(bot, clock):
    incident, _ = await declare(bot, "P0 Payments down")
    clock.advance(timedelta(minutes=100))
    await fire(bot)
    await fire(bot)
    assert len(reminders(bot, incident)) == 1
    stored = await load_incident(bot, incident.id)
    assert stored.next_update_due_at == incident.declared_at + timedelta(minutes=105)
    async with bot.runtime.sessions() as db:
        assert await next_incident_due_at(db) == incident.declared_at + timedelta(minutes=105)


async def test_a_severity_change_rearms_the_cadence(bot, clock):
    incident, _ = await declare(bot, "P1 Checkout failing")
    clock.advance(timedelta(minutes=10))
    await run_in_war_room(bot, incident, "severity P0", then="severity_changed")
    clock.advance(timedelta(minutes=14))
    await fire(bot)
    assert reminders(bot, incident) == []
    clock.advance(timedelta(minutes=1))
    await fire(bot)
    assert len(reminders(bot, incident)) == 1
    clock.advance(timedelta(minutes=5))  # the P1 due time (30m) is gone with the change
    await fire(bot)
    assert len(reminders(bot, incident)) == 1


async def test_resolution_stops_the_reminders(bot, clock):
    incident, _ = await declare(bot, "P0 Payments down")
    clock.advance(timedelta(minutes=5))
    await run_in_war_room(bot, incident, "resolve", then="postmortem_posted")
    clock.advance(timedelta(hours=3))
    assert await fire(bot) == 0
    assert reminders(bot, incident) == [] and reminders(bot, incident, "Customer update due") == []
    async with bot.runtime.sessions() as db:
        assert await next_incident_due_at(db) is None


async def test_two_sweepers_on_one_database_send_each_reminder_once(bot, database_url, clock):
    incidents = [(await declare(bot, f"P0 Outage number {n}"))[0] for n in range(3)]
    await settle(bot)
    second_engine = make_engine(database_url)
    try:
        other = dataclasses.replace(bot.runtime.deps, sessions=make_session_factory(second_engine))
        clock.advance(timedelta(minutes=30))  # per incident: one status and one customer reminder due
        counts = await asyncio.gather(*[fire_due_incident_reminders(deps=d)
                                        for d in (bot.runtime.deps, other) * 3])
    finally:
        await second_engine.dispose()
    assert sum(counts) == 6
    for incident in incidents:
        assert len(reminders(bot, incident)) == 1
        assert len(reminders(bot, incident, "Customer update due")) == 1
        kinds = [str(e.kind) for e in await events(bot, incident.id)]
        assert kinds.count("reminder_sent") == 1 and kinds.count("external_reminder_sent") == 1
