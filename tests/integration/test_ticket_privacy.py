"""Private tickets, as people meet them over signed requests: a ticket opened from a
message in a private channel (or with "Private ticket" ticked) shows its summary,
description and customer only to its reporter, whoever works on it and the desk;
everyone else gets "Ticket #N is private" from `/ticket #N` and a line without details
in `/ticket queue`, the App Home and the daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from workflows.tickets.ids import TicketAction, TicketShortcut
from models.report_runs import ReportKind
from models.tickets import Ticket
from tests.authority_steps import *  # noqa: F403  (config: app.yaml plus roles; engineers)
from tests.authority_steps import ADMIN, ENGINEER, FRONTLINE, LEAD, OUTSIDER, PRIMARY, click, field_becomes, reload
from tests.fakes.slack import input_block_by_label, view_state
from tests.fakes.slack_requests import message_shortcut_payload, view_submission_payload
from tests.integration.test_app_home import open_home, sections
from tests.integration.test_ticket_lookup import ask, new_ticket, shown
from tests.ticket_steps import REPORTER, mrkdwn_texts
from workflows.reports.schedule import Period
from workflows.reports.scheduled import compose_report

TECHNICAL = "U0AGENT03"  # a tier2 member in app.yaml
PRIVATE_CHANNEL = "C0PRIVATE1"
CUSTOMER_REP = "U0CUSTREP"
SECRET = "Refund for card 4242 of Globex, account frozen"
OPEN_BY_DEFAULT = pytest.mark.parametrize("config", [None], indirect=True)


def private_answer(number: int) -> str:
    return (f"Ticket #{number} is private: only its reporter, whoever works on it and the support desk "
            "can see its details.")


async def ticket_from_message(bot, channel: str, text: str = SECRET):
    """A message in ``channel``, the shortcut on it, the form submitted; the form and the ticket."""
    message = bot.slack.add_message(channel, text, user=CUSTOMER_REP)
    opened = len(bot.slack.calls_to("views.open"))
    reply = await bot.sender.interactive(message_shortcut_payload(
        str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id=REPORTER, channel_id=channel, message=message))
    assert reply.status == 200 and not reply.body
    [*_, call] = await bot.slack.wait_for("views.open", count=opened + 1)
    assert call.ok, call
    view = bot.slack.latest_view()
    confirmations = len(bot.slack.calls_to("chat.postEphemeral"))
    reply = await bot.sender.interactive(view_submission_payload(view, view_state(
        view, {"Category": "Login problems", "Priority": "P1", "Customer": "Globex"}), user_id=REPORTER))
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postEphemeral", count=confirmations + 1)
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        return view, (await db.execute(select(Ticket).order_by(Ticket.id.desc()).limit(1))).scalar_one()


def assert_no_details(answer: dict) -> None:
    everything = str(answer)
    for detail in ("Refund for card", "Globex", "Cannot log in", "ACME"):
        assert detail not in everything, everything


@OPEN_BY_DEFAULT
async def test_a_ticket_from_a_private_channel_shows_only_to_its_reporter_assignee_tier_and_on_call(bot):
    bot.slack.add_channel(PRIVATE_CHANNEL, "deals", is_private=True, members=[REPORTER, CUSTOMER_REP])
    view, ticket = await ticket_from_message(bot, PRIVATE_CHANNEL)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Private" not in labels  # not a choice: the message is private
    assert any("this ticket will be private" in t for t in mrkdwn_texts(view["blocks"]))
    assert ticket.private and ticket.tier == "tier1" and ticket.customer == "Globex"

    for outsider in (OUTSIDER, TECHNICAL, LEAD):  # TECHNICAL: a member of another tier
        answer = await ask(bot, f"#{ticket.number}", user_id=outsider)
        assert answer["text"] == private_answer(ticket.number) and "blocks" not in answer
        assert_no_details(answer)
    for insider in (REPORTER, FRONTLINE, PRIMARY):  # its reporter, its tier's member, on call
        answer = await ask(bot, f"#{ticket.number}", user_id=insider)
        assert SECRET in shown(answer) and "Globex" in shown(answer)

    await click(bot, ticket, TicketAction.CLAIM, TECHNICAL)  # open by default: anyone may claim, and then sees it
    await field_becomes(bot, ticket, "assignee_id", lambda v: v == TECHNICAL)
    assert SECRET in shown(await ask(bot, f"#{ticket.number}", user_id=TECHNICAL))


async def test_with_roles_a_ticket_marked_private_shows_only_to_its_reporter_agents_and_admins(bot):
    ticket = await new_ticket(bot, "Cannot log in", customer="ACME Corp", private=True)
    assert (await reload(bot, ticket.id)).private
    for outsider in (OUTSIDER, LEAD):  # LEAD: in the commander pool, not an agent
        answer = await ask(bot, f"#{ticket.number}", user_id=outsider)
        assert answer["text"] == private_answer(ticket.number)
        assert_no_details(answer)
    for insider in (REPORTER, ENGINEER, FRONTLINE, ADMIN, PRIMARY):  # agents of any tier, admins, on call
        answer = await ask(bot, f"#{ticket.number}", user_id=insider)
        assert "Cannot log in" in shown(answer) and "ACME Corp" in shown(answer)


@OPEN_BY_DEFAULT
async def test_a_ticket_from_a_channel_slack_will_not_describe_is_private(bot):
    bot.slack.add_channel("C0GONE0001", "secret-project", is_private=True, members=[REPORTER, CUSTOMER_REP])
    message = bot.slack.add_message("C0GONE0001", SECRET, user=CUSTOMER_REP)
    bot.slack.forget_channel("C0GONE0001")  # conversations.info: channel_not_found (a private channel, bot not in it)
    opened = len(bot.slack.calls_to("views.open"))
    await bot.sender.interactive(message_shortcut_payload(
        str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id=REPORTER, channel_id="C0GONE0001", message=message))
    await bot.slack.wait_for("views.open", count=opened + 1)
    view = bot.slack.latest_view()
    assert any("this ticket will be private" in t for t in mrkdwn_texts(view["blocks"]))


@OPEN_BY_DEFAULT
async def test_a_ticket_from_a_public_channel_is_shown_to_everyone_unless_marked_private(bot):
    bot.slack.add_channel("C0GENERAL", "general", members=[REPORTER, CUSTOMER_REP])
    view, ticket = await ticket_from_message(bot, "C0GENERAL")
    assert input_block_by_label(view, "Private")["element"]["type"] == "checkboxes"
    assert not ticket.private
    assert SECRET in shown(await ask(bot, f"#{ticket.number}", user_id=OUTSIDER))


@OPEN_BY_DEFAULT
async def test_queues_and_the_app_home_list_a_private_ticket_without_its_details(bot):
    open_one = await new_ticket(bot, "Printer on fire", customer="Initech")
    private = await new_ticket(bot, "Cannot log in", customer="ACME Corp", private=True)

    outsider = shown(await ask(bot, "queue tier1", user_id=OUTSIDER))
    assert "Printer on fire" in outsider and f"#{open_one.number}" in outsider
    assert f"*#{private.number}* `P1` :lock: _private ticket_" in outsider and "Cannot log in" not in outsider
    assert private.permalink not in outsider
    member = shown(await ask(bot, "queue tier1", user_id=FRONTLINE))
    assert "Printer on fire" in member and "Cannot log in" in member

    home = sections(await open_home(bot, OUTSIDER))["All open tickets"]
    assert "Printer on fire" in home and ":lock: _private ticket_" in home and "Cannot log in" not in home
    assert "Cannot log in" in sections(await open_home(bot, FRONTLINE))["Queue: Frontline"]
    assert "Cannot log in" in sections(await open_home(bot, REPORTER))["Tickets you reported"]


@OPEN_BY_DEFAULT
async def test_the_daily_digest_lists_a_private_ticket_without_its_summary(bot, clock):
    await new_ticket(bot, "Printer on fire")
    private = await new_ticket(bot, "Cannot log in", customer="ACME Corp", private=True)
    end = clock() + timedelta(hours=1)
    content = await compose_report(sessions=bot.runtime.sessions, config=bot.runtime.config, now=end,
                                   period=Period(ReportKind.DAILY, end - timedelta(days=1), end))
    listed = "\n".join(mrkdwn_texts(content.blocks))
    assert "Printer on fire" in listed and f"#{private.number}" in listed
    assert ":lock: _private ticket_ (Login problems)" in listed and "Cannot log in" not in listed
