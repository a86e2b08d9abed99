"""War-room commands: status updates, roles, severity, help, and the errors outside a
war room or on a resolved incident."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.pages import Page
from tests.incident_steps import (
    COMMS, GENERAL, HELPER, IC, INCIDENTS, answer, declare, events, load_incident, run_in_war_room, settle, text_of,
)


def war_room_texts(bot, incident) -> list[str]:
    return [text_of(m) for m in bot.slack.messages(incident.channel_id)]


async def test_a_status_update_is_posted_cross_posted_recorded_and_restarts_the_cadence(bot, clock):
    incident, _ = await declare(bot)
    clock.advance(timedelta(minutes=12))
    await run_in_war_room(bot, incident, "update Rolled back <!here> the deploy; errors &lt; 1%", then="update_posted")
    stored = await load_incident(bot, incident.id)
    assert stored.last_update_at == clock() and stored.next_update_due_at == clock() + timedelta(minutes=30)
    update = bot.slack.messages(incident.channel_id)[-1]
    body = text_of(update)
    assert "Status update" in body and f"Incident #{incident.id} – P1" in body
    assert "Rolled back @here the deploy; errors &lt; 1%" in body and "<!here>" not in body
    assert f"Posted by <@{IC}>" in body
    cross = bot.slack.messages(INCIDENTS)[-1]
    assert cross["thread_ts"] == incident.announcement_ts and cross.get("subtype") == "thread_broadcast"
    assert "Rolled back @here the deploy" in text_of(cross) and f"<#{incident.channel_id}>" in text_of(cross)
    [row] = [e for e in await events(bot, incident.id) if e.kind == "update_posted"]
    assert row.actor_id == IC and row.detail["text"] == "Rolled back <!here> the deploy; errors < 1%".replace(
        "<!here>", "@here")
    declaration = text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))
    assert f"<!date^{int(stored.next_update_due_at.timestamp())}^" in declaration
    announcement = text_of(bot.slack.message(INCIDENTS, incident.announcement_ts))
    assert f"<!date^{int(clock().timestamp())}^" in announcement  # last update


async def test_an_empty_update_is_refused(bot):
    incident, _ = await declare(bot)
    text = await answer(bot, "update   ", channel=incident.channel_id)
    assert text.startswith(":warning: Write the status update")


async def test_handing_over_command(bot):
    incident, _ = await declare(bot)
    await run_in_war_room(bot, incident, f"commander <@{HELPER}|helper>", then="commander_changed")
    stored = await load_incident(bot, incident.id)
    assert stored.commander_id == HELPER
    assert HELPER in bot.slack.members[incident.channel_id]
    assert bot.slack.channels[incident.channel_id]["topic"]["value"] == f"P1 · High | Open | Commander: <@{HELPER}>"
    assert any(f"<@{IC}> handed command" in t and f"<@{HELPER}> is now the incident commander" in t
               for t in war_room_texts(bot, incident))
    assert f"*Commander:* <@{HELPER}>" in text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))
    assert f"<@{HELPER}>" in text_of(bot.slack.message(INCIDENTS, incident.announcement_ts))
    [row] = [e for e in await events(bot, incident.id) if e.kind == "commander_changed"]
    assert row.detail == {"from": IC, "to": HELPER} and row.actor_id == IC
    again = await answer(bot, f"role commander <@{HELPER}>", channel=incident.channel_id)
    assert again == f":warning: <@{HELPER}> is already the incident commander."


async def test_naming_the_comms_lead(bot):
    incident, _ = await declare(bot)
    await run_in_war_room(bot, incident, f"role comms <@{COMMS}|comms>", then="role_assigned")
    stored = await load_incident(bot, incident.id)
    assert stored.comms_id == COMMS and COMMS in bot.slack.members[incident.channel_id]
    assert bot.slack.channels[incident.channel_id]["topic"]["value"].endswith(f"Comms: <@{COMMS}>")
    assert any(f"<@{COMMS}> is the communications lead" in t for t in war_room_texts(bot, incident))
    [row] = [e for e in await events(bot, incident.id) if e.kind == "role_assigned"]
    assert row.detail == {"role": "comms", "user": COMMS, "previous": None}
    assert "Roles: `comms`" in await answer(bot, f"role scribe <@{COMMS}>", channel=incident.channel_id)
    assert "Mention the person" in await answer(bot, "role comms someone", channel=incident.channel_id)


async def test_recording_a_customer_update_restarts_the_external_cadence(bot, clock):
    incident, _ = await declare(bot, "P0 Payments down")
    clock.advance(timedelta(minutes=20))
    await run_in_war_room(bot, incident, "external Status page updated: payments degraded",
                          then="external_update_posted")
    stored = await load_incident(bot, incident.id)
    assert stored.last_external_update_at == clock()
    assert stored.next_external_update_due_at == clock() + timedelta(minutes=30)
    assert any("updated customers: Status page updated" in t for t in war_room_texts(bot, incident))


async def test_raising_the_severity_rearms_announces_and_pages(bot, clock):
    incident, _ = await declare(bot, "P2 Search is slow")
    clock.advance(timedelta(minutes=40))
    await run_in_war_room(bot, incident, "severity p0", then="severity_changed")
    stored = await load_incident(bot, incident.id)
    assert stored.priority == "P0"
    assert stored.next_update_due_at == clock() + timedelta(minutes=15)
    assert stored.next_external_update_due_at == clock() + timedelta(minutes=30)
    assert bot.slack.channels[incident.channel_id]["topic"]["value"].startswith("P0 · Critical | Open")
    notice = [t for t in war_room_texts(bot, incident) if "raised incident" in t]
    assert len(notice) == 1 and "from P2 to *P0 · Critical*" in notice[0] and "paged" in notice[0]
    assert any("raised incident" in text_of(m) for m in bot.slack.messages(INCIDENTS))
    declaration = bot.slack.message(incident.channel_id, incident.declaration_ts)
    assert declaration["blocks"][0]["text"]["text"] == "🚨 INCIDENT DECLARED – P0"
    async with bot.runtime.sessions() as db:
        [page] = (await db.execute(select(Page).where(Page.subject_id == incident.id))).scalars().all()
    assert page.severity == "critical"
    [row] = [e for e in await events(bot, incident.id) if e.kind == "severity_changed"]
    assert row.detail == {"from": "P2", "to": "P0"}
    assert await answer(bot, "severity P0", channel=incident.channel_id) == f":warning: Incident #{incident.id} is already P0."
    assert "P0, P1 or P2" in await answer(bot, "severity P3", channel=incident.channel_id)


async def test_lowering_the_severity_does_not_page(bot, clock):
    incident, _ = await declare(bot, "P1 Exports slow")
    await run_in_war_room(bot, incident, "sev P2", then="severity_changed")
    async with bot.runtime.sessions() as db:
        pages = (await db.execute(select(Page).where(Page.subject_id == incident.id))).scalars().all()
    assert len(pages) == 1  # the declaration's page, not another
    assert (await load_incident(bot, incident.id)).next_update_due_at == clock() + timedelta(hours=2)
    assert any("lowered incident" in t for t in war_room_texts(bot, incident))


async def test_commands_outside_a_war_room_say_where_to_go(bot):
    lonely = await answer(bot, "update all good", channel=GENERAL)
    assert lonely.startswith(":warning: `/incident update` works in an incident's war room")
    assert "There is no open incident" in lonely
    incident, _ = await declare(bot)
    await settle(bot)
    posted = len(bot.slack.calls_to("chat.postMessage"))
    for command in ("update all good", f"commander <@{HELPER}>", "severity P0", "resolve", "postmortem",
                    f"role comms <@{COMMS}>", "external told them"):
        text = await answer(bot, command, channel=GENERAL)
        assert "this channel is not one" in text and f"Open incidents: <#{incident.channel_id}>" in text, command
    await settle(bot)
    assert len(bot.slack.calls_to("chat.postMessage")) == posted
    assert [str(e.kind) for e in await events(bot, incident.id)] == ["declared", "paged"]


async def test_commands_on_a_resolved_incident_are_refused(bot):
    incident, _ = await declare(bot)
    await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
    posted = len(bot.slack.messages(incident.channel_id))
    for command in ("update more news", f"commander <@{HELPER}>", "severity P0", "resolve again",
                    f"role comms <@{COMMS}>", "external told them"):
        text = await answer(bot, command, channel=incident.channel_id)
        assert text.startswith(f":warning: Incident #{incident.id} was resolved"), command
    await settle(bot)
    assert len(bot.slack.messages(incident.channel_id)) == posted


async def test_help(bot):
    text = await answer(bot, "help")
    for command in ("declare", "update", "commander", "role comms", "severity", "resolve", "postmortem"):
        assert f"/incident {command}" in text
    assert await answer(bot, "") == text
