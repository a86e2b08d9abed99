"""Declaring an incident records it first, then opens the war room through the outbox:
a Slack failure or a race never leaves an orphan channel or a second one, the invites
are retried, the declaration is posted and pinned once, and the declarer gets a prompt,
clear answer whatever Slack does."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta

from sqlalchemy import select

from workflows.tickets.ids import TicketAction
from models.incidents import Incident
from models.outbox import OutboxStatus
from models.pages import Page, PageStatus
from tests.fakes.slack_requests import block_actions_payload
from tests.incident_steps import IC, INCIDENTS, ONCALL, PRIMARY, answer, declare, events, load_incident, text_of
from tests.outbox_steps import deliver_until_done, expire_leases, outbox
from tests.ticket_steps import REPORTER, create_ticket
from workflows.outbox.enqueue import deliver_outbox

TITLE = "Checkout failing"
NAME = "inc-20261125-checkout-failing"


def war_rooms(bot) -> list[dict]:
    return [c for c in bot.slack.channels.values() if c["name"].startswith("inc-")]


async def open_war_room(bot) -> Incident:
    """Let the outbox retry (as its sweep does) until every war-room step is done."""
    await deliver_until_done(bot, rounds=30)
    return await load_incident(bot)


def assert_opened_once(bot, incident: Incident, *members: str) -> None:
    [room] = war_rooms(bot)
    assert (room["id"], room["name"]) == (incident.channel_id, incident.channel_name)
    assert set(members) <= set(bot.slack.members[incident.channel_id])
    declarations = [m for m in bot.slack.messages(incident.channel_id) if "INCIDENT DECLARED" in text_of(m)]
    assert [m["ts"] for m in declarations] == [incident.declaration_ts]
    assert bot.slack.pins(incident.channel_id) == [incident.declaration_ts]
    [announcement] = bot.slack.messages(INCIDENTS)
    assert announcement["ts"] == incident.announcement_ts and f"<#{incident.channel_id}>" in text_of(announcement)


async def test_slack_down_at_declaration_the_incident_stands_and_its_war_room_follows_once(bot):
    bot.slack.fail_next("conversations.create", status=500, times=3)   # down for a few seconds
    bot.slack.fail_next("conversations.invite", status=503, times=3)
    incident, confirmation = await declare(bot, f"P1 {TITLE}")
    assert confirmation == (f"Incident #{incident.id} (P1) declared. On-call has been paged. Slack has not created "
                            "its war room yet (internal_error); supportbot keeps trying, then invites you, pins the "
                            "declaration there and announces it in the incidents channel.")
    assert incident.channel_id is None and war_rooms(bot) == []
    async with bot.runtime.sessions() as db:
        [page] = (await db.execute(select(Page))).scalars().all()
    assert page.status == PageStatus.TRIGGERED, "on-call is paged without waiting for Slack"
    assert any(f"Incident #{incident.id}" in text_of(m) for m in bot.slack.messages(ONCALL))

    incident = await open_war_room(bot)
    assert incident.channel_name == NAME
    assert_opened_once(bot, incident, IC, PRIMARY)
    assert [c.ok for c in bot.slack.calls_to("conversations.create")] == [False, False, False, True]
    assert [c.ok for c in bot.slack.calls_to("conversations.invite")] == [False, False, False, True]
    declared = (await events(bot, incident.id))[0]
    assert declared.detail["channel"] == incident.channel_id and declared.detail["channel_name"] == NAME


async def test_a_channel_created_by_an_attempt_whose_answer_was_lost_is_reused(bot):
    bot.slack.fail_next("conversations.create", status=502, applied=True)  # created, but the answer is lost
    bot.slack.fail_next("conversations.create", status=502)  # and the next try hears nothing either
    _, confirmation = await declare(bot, f"P2 {TITLE}")
    assert "Slack has not created its war room yet" in confirmation
    incident = await open_war_room(bot)
    assert incident.channel_name == NAME, "no second channel named -2"
    assert_opened_once(bot, incident, IC, PRIMARY)
    assert [c.response.get("error") for c in bot.slack.calls_to("conversations.create")] == \
        ["internal_error", "internal_error", "name_taken"]


async def test_a_name_someone_took_meanwhile_is_not_reused(bot):
    bot.slack.fail_next("conversations.create", status=500, times=3)
    incident, _ = await declare(bot, f"P2 {TITLE}")
    bot.slack.add_channel("C0PERSON1", NAME, creator="U0SOMEONE")  # a person made that channel meanwhile
    incident = await open_war_room(bot)
    assert incident.channel_name == f"{NAME}-2" and incident.channel_id != "C0PERSON1"
    assert len(war_rooms(bot)) == 2 and bot.slack.messages("C0PERSON1") == []
    assert bot.slack.pins(incident.channel_id) == [incident.declaration_ts]


async def test_two_declarations_of_one_title_at_once_get_two_names(bot):
    first, second = await asyncio.gather(declare(bot, f"P2 {TITLE}"), declare(bot, f"P2 {TITLE}"))
    names = sorted(i.channel_name for i in await _incidents(bot))
    assert names == [NAME, f"{NAME}-2"]
    assert len(war_rooms(bot)) == 2
    assert len(bot.slack.calls_to("conversations.create")) <= 3  # no name asked for twice by one incident


async def test_two_clicks_on_a_ticket_declare_once_and_make_one_channel(bot):
    ticket = await create_ticket(bot, "Checkout down for everyone", category="Payment failed", priority="P0")

    async def click(user: str, name: str) -> dict:
        payload = block_actions_payload(str(TicketAction.DECLARE_INCIDENT), str(ticket.id), user_id=user,
                                        channel_id=ticket.channel_id, message_ts=ticket.message_ts,
                                        response_url=bot.slack.response_url(name))
        assert (await bot.sender.interactive(payload)).status == 200
        [reply] = await bot.slack.wait_for_response(name)
        return reply

    replies = await asyncio.gather(click(IC, "first"), click(REPORTER, "second"))
    [incident] = await _incidents(bot)
    assert len(war_rooms(bot)) == 1 and len(bot.slack.calls_to("conversations.create")) == 1, "no orphan channel"
    [declared] = [r["text"] for r in replies if "already has an open incident" not in r["text"]]
    [already] = [r["text"] for r in replies if "already has an open incident" in r["text"]]
    assert f"<#{incident.channel_id}>" in declared
    assert already.startswith(f"Ticket #{ticket.number} already has an open incident: #{incident.id} in ")


async def test_a_refusal_on_a_retry_tells_the_declarer_and_announces_nothing(bot):
    bot.slack.fail_next("conversations.create", status=500, times=3)
    bot.slack.fail_next("conversations.create", error="restricted_action")
    incident, _ = await declare(bot, f"P2 {TITLE}")
    await open_war_room(bot)
    incident = await load_incident(bot, incident.id)
    assert incident.channel_id is None and incident.channel_name is None and war_rooms(bot) == []
    assert bot.slack.messages(INCIDENTS) == [], "nothing announced without a war room"
    dm = [m["text"] for m in bot.slack.messages(bot.slack.dm_channel(IC))]
    assert dm == [f":warning: Slack would not create the war room of incident #{incident.id} (restricted_action). "
                  "The incident is recorded without one; ask a Slack admin to let supportbot create channels."]


async def test_a_refusal_at_declaration_still_declares_nothing_and_says_why(bot):
    bot.slack.fail_next("conversations.create", error="restricted_action")
    text = await answer(bot, f"declare P0 {TITLE}")
    assert text == (f":warning: Slack would not create the war-room channel `{NAME}` (restricted_action), so "
                    "nothing was declared. Ask a Slack admin to let supportbot create channels.")
    assert await _incidents(bot) == [] and await outbox(bot) == []
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(Page))).first() is None
    assert [c.method for c in bot.slack.calls if c.method != "auth.test"] == ["conversations.create"], \
        "nothing set up, posted, announced or paged"

    incident, confirmation = await declare(bot, f"P1 {TITLE}")  # declared again once Slack allows it
    assert f"<#{incident.channel_id}>" in confirmation
    assert_opened_once(bot, incident, IC, PRIMARY)


async def test_a_relay_not_given_the_war_room_steps_sends_none_and_marks_none_sent(bot, caplog):
    bot.slack.fail_next("conversations.create", status=500)
    incident, _ = await declare(bot, f"P2 {TITLE}")
    bare = dataclasses.replace(bot.runtime.deps, outbox_steps={})  # the outbox alone knows no war room
    bot.clock.advance(timedelta(seconds=5))
    with caplog.at_level(logging.ERROR, logger="workflows.outbox.relay"):
        assert await deliver_outbox(bare) == 0
    assert "no outbox step for 'war_room' rows" in caplog.text
    assert all(r.status == OutboxStatus.PENDING for r in await outbox(bot)), "nothing marked sent unsent"
    assert war_rooms(bot) == []
    await expire_leases(bot.runtime.sessions)  # as if that relay had died: the runtime's relay sends the steps
    assert_opened_once(bot, await open_war_room(bot), IC, PRIMARY)


async def _incidents(bot) -> list[Incident]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(Incident).order_by(Incident.id))).scalars())
