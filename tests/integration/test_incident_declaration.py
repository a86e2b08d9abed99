"""Declaring an incident: the war room, its name, invites, pinned declaration,
announcement and page, from the command, the modal and a ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from workflows.tickets.ids import TicketAction
from models.incidents import IncidentStatus
from models.pages import Page, PageStatus
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.incident_steps import (
    GENERAL, HELPER, IC, INCIDENTS, ONCALL, PRIMARY, answer, declare, eventually, events, load_incident, settle,
    slash, text_of,
)
from tests.ticket_steps import REPORTER, create_ticket


async def incident_pages(bot, incident_id: int) -> list[Page]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(Page).where(Page.subject_id == incident_id,
                                                         Page.subject_kind == "incident"))).scalars())


async def test_declare_creates_the_war_room_pins_announces_and_pages(bot, clock):
    incident, confirmation = await declare(bot, "P1 Checkout <!channel> failing for EU customers & more")
    await settle(bot)
    assert incident.channel_name == "inc-20261125-checkout-channel-failing-for-eu-customers-more"
    channel = bot.slack.channels[incident.channel_id]
    assert channel["name"] == incident.channel_name
    assert f"<#{incident.channel_id}>" in confirmation and f"Incident #{incident.id} (P1)" in confirmation
    # Topic and purpose.
    assert channel["topic"]["value"] == f"P1 · High | Open | Commander: <@{IC}>"
    assert "Checkout @channel failing for EU customers &amp; more" in channel["purpose"]["value"]
    # Invites: the declarer (commander) and the on-call primary.
    assert {IC, PRIMARY} <= set(bot.slack.members[incident.channel_id])
    # The declaration: posted, pinned, in the practice's form.
    declaration = bot.slack.message(incident.channel_id, incident.declaration_ts)
    assert bot.slack.pins(incident.channel_id) == [incident.declaration_ts]
    assert declaration["blocks"][0]["text"]["text"] == "🚨 INCIDENT DECLARED – P1"
    body = text_of(declaration)
    for expected in ("*Title:* Checkout @channel failing for EU customers &amp; more", "*Impact:*", "*Started:* <!date^",
                     f"*Commander:* <@{IC}>", f"*War room:* <#{incident.channel_id}>", "*Current actions:*",
                     f"On-call paged (<@{PRIMARY}>)", "*Next update due:* <!date^"):
        assert expected in body, expected
    assert "<!channel>" not in body
    due = int((clock() + timedelta(minutes=30)).timestamp())
    assert f"*Next update due:* <!date^{due}^" in body
    # The announcement, with a link to the war room.
    [announcement] = bot.slack.messages(INCIDENTS)
    assert announcement["ts"] == incident.announcement_ts and incident.announcement_channel_id == INCIDENTS
    assert f"<#{incident.channel_id}>" in text_of(announcement) and "Open" in text_of(announcement)
    # The page: one, triggered, mirrored in the on-call channel.
    [page] = await incident_pages(bot, incident.id)
    assert page.status == PageStatus.TRIGGERED and page.dedup_key == f"supportbot-incident-{incident.id}"
    assert any(f"Incident #{incident.id}" in text_of(m) for m in bot.slack.messages(ONCALL))
    # The timeline.
    rows = await events(bot, incident.id)
    assert [str(r.kind) for r in rows] == ["declared", "paged"]
    assert rows[0].actor_id == IC and rows[0].at == clock() and rows[0].detail["channel"] == incident.channel_id
    assert incident.status == IncidentStatus.OPEN
    assert incident.next_update_due_at == clock() + timedelta(minutes=30)
    assert incident.next_external_update_due_at == clock() + timedelta(hours=1)


async def test_a_p2_is_not_paged_and_has_no_customer_cadence(bot, clock):
    incident, confirmation = await declare(bot, "p2 Search is slow")
    await settle(bot)
    assert "paged" not in confirmation
    assert await incident_pages(bot, incident.id) == []
    assert incident.next_update_due_at == clock() + timedelta(hours=2)
    assert incident.next_external_update_due_at is None
    assert bot.slack.members[incident.channel_id].count(PRIMARY) == 1  # on-call is invited all the same


async def test_a_taken_name_gets_a_numeric_suffix_and_long_titles_fit(bot):
    bot.slack.add_channel("C0TAKEN1", "inc-20261125-database-down")
    bot.slack.add_channel("C0TAKEN2", "inc-20261125-database-down-2")
    incident, _ = await declare(bot, "P2 Database down")
    assert incident.channel_name == "inc-20261125-database-down-3"
    creates = [c.args["name"] for c in bot.slack.calls_to("conversations.create")]
    assert creates == ["inc-20261125-database-down", "inc-20261125-database-down-2", "inc-20261125-database-down-3"]
    long_one, _ = await declare(bot, "P2 " + "Ünïcode façade broken " * 6)
    assert len(long_one.channel_name) <= 80 and long_one.channel_name.startswith("inc-20261125-unicode-facade-broken")
    assert not long_one.channel_name.endswith("-")


async def test_the_date_is_the_policy_timezone_date(bot, clock):
    clock.set(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))  # still the 25th in New York
    incident, _ = await declare(bot, "P2 Late night")
    assert incident.channel_name == "inc-20261125-late-night"


async def test_a_slack_refusal_to_create_the_channel_declares_nothing(bot):
    bot.slack.fail_next("conversations.create", error="restricted_action")
    text = await answer(bot, "declare P0 Everything down")
    assert text.startswith(":warning: Slack would not create the war-room channel") and "restricted_action" in text
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(Page))).first() is None
    assert bot.slack.messages(INCIDENTS) == []


async def test_bad_declarations_are_refused(bot):
    assert "P0, P1 or P2" in await answer(bot, "declare P3 Typo on the pricing page")
    assert "not a command I know" in await answer(bot, "explode now")
    assert bot.slack.calls_to("conversations.create") == []


async def test_bare_declare_opens_the_modal_and_its_submission_declares(bot):
    await slash(bot, "declare", user=IC)
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view("incident_declare")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Title", "Priority", "Description", "Commander"]
    empty = await bot.sender.interactive(view_submission_payload(view, view_state(view, {}), user_id=IC))
    assert set(empty.json()["errors"]) == {"incident_title"}
    state = view_state(view, {"Title": "Login broken", "Priority": "P0", "Description": "All users, all regions",
                              "Commander": HELPER})
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=IC))
    assert reply.status == 200 and not reply.body
    await eventually(lambda: any("declared" in (m.get("text") or "") for m in bot.slack.messages(bot.slack.dm_channel(IC))))
    incident = await load_incident(bot)
    assert (incident.title, incident.priority, incident.commander_id, incident.declared_by) == \
        ("Login broken", "P0", HELPER, IC)
    assert {IC, HELPER, PRIMARY} <= set(bot.slack.members[incident.channel_id])
    declaration = text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))
    assert "*Impact:* All users, all regions" in declaration and f"*Commander:* <@{HELPER}>" in declaration


async def test_a_title_without_a_priority_opens_the_modal_prefilled(bot):
    await slash(bot, "declare Payments &lt;slow&gt;")
    await bot.slack.wait_for("views.open")
    view = bot.slack.latest_view("incident_declare")
    title = next(b for b in view["blocks"] if b["type"] == "input")
    assert title["element"]["initial_value"] == "Payments <slow>"
    assert bot.slack.calls_to("conversations.create") == []


async def test_the_ticket_button_declares_once_with_reporter_and_assignee(bot):
    ticket = await create_ticket(bot, "Checkout down for everyone", category="Payment failed", priority="P0")
    click = block_actions_payload(str(TicketAction.DECLARE_INCIDENT), str(ticket.id), user_id=HELPER,
                                  channel_id=ticket.channel_id, message_ts=ticket.message_ts,
                                  response_url=bot.slack.response_url("button"))
    assert (await bot.sender.interactive(click)).status == 200
    [reply] = await bot.slack.wait_for_response("button")
    incident = await load_incident(bot)
    assert f"<#{incident.channel_id}>" in reply["text"]
    assert (incident.ticket_id, incident.title, incident.priority, incident.commander_id) == \
        (ticket.id, "Checkout down for everyone", "P0", HELPER)
    assert {HELPER, PRIMARY, REPORTER} <= set(bot.slack.members[incident.channel_id])
    assert f"#{ticket.number}" in text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))
    again = block_actions_payload(str(TicketAction.DECLARE_INCIDENT), str(ticket.id), user_id=IC,
                                  channel_id=ticket.channel_id, message_ts=ticket.message_ts,
                                  response_url=bot.slack.response_url("again"))
    await bot.sender.interactive(again)
    [second] = await bot.slack.wait_for_response("again")
    assert "already has an open incident" in second["text"] and f"<#{incident.channel_id}>" in second["text"]
    assert len(bot.slack.calls_to("conversations.create")) == 1


async def test_escalating_a_p0_ticket_declares_its_incident(bot):
    ticket = await create_ticket(bot, "Data loss on export", category="Data sync", priority="P0")
    name = "esc"
    await bot.sender.slash("/escalate", f"#{ticket.number} engineers needed", user_id=HELPER, channel_id=GENERAL,
                           response_url=bot.slack.response_url(name))
    await bot.slack.wait_for_response(name)
    await eventually(lambda: len(bot.slack.messages(INCIDENTS)) == 1)
    incident = await load_incident(bot)
    assert incident.ticket_id == ticket.id and incident.priority == "P0" and incident.commander_id == HELPER


async def test_escalating_a_p1_ticket_declares_nothing(bot):
    ticket = await create_ticket(bot, "Slow export", category="Data sync", priority="P1")
    await bot.sender.slash("/escalate", f"#{ticket.number} engineers needed", user_id=HELPER, channel_id=GENERAL,
                           response_url=bot.slack.response_url("esc"))
    await bot.slack.wait_for_response("esc")
    await settle(bot)
    assert bot.slack.calls_to("conversations.create") == []
