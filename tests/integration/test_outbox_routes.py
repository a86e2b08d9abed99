"""Messages that must not be lost reach Slack through the outbox, whatever their room:
owed while Slack answers 5xx, each is delivered exactly once after Slack recovers."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from models.outbox import OutboxStatus
from models.page_queries import get_page
from models.pages import Page
from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.outbox_steps import expire_leases, outbox
from tests.kb_steps import ask, kb_bot, kb_folder, texts  # noqa: F401 (fixtures)
from tests.incident_steps import HELPER, INCIDENTS, ONCALL, PRIMARY, declare, eventually, slash, text_of
from tests.ticket_steps import create_ticket
from workflows.outbox.enqueue import deliver_outbox, owe_card_update
from workflows.outbox.renderers import Renderers
from workflows.paging.actions import acknowledge_page
from workflows.paging.pager import page_ticket

AGENT = "U0AGENT"


async def slack_recovers(bot, *, step: timedelta = timedelta(seconds=10), rounds: int = 40) -> None:
    """Let the relay retry (as its sweep does) until nothing is owed any more."""
    for _ in range(rounds):
        await bot.runtime.drain()
        if all(r.status != OutboxStatus.PENDING for r in await outbox(bot)):
            return
        bot.clock.advance(step)
        await deliver_outbox(bot.runtime.deps)
    raise AssertionError(f"still owed: {[(r.lane, r.payload, r.last_error) for r in await outbox(bot)]}")


async def reload_page(bot, page_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        page = await get_page(db, page_id)
    assert page is not None
    return page


def outcomes(bot, method: str, **args: str) -> list[bool]:
    """Whether each call of ``method`` with these arguments succeeded, oldest first."""
    return [c.ok for c in bot.slack.calls_to(method) if all(c.args.get(k) == v for k, v in args.items())]


async def test_an_escalation_dm_owed_while_slack_fails_is_sent_once_after(bot):
    ticket = await create_ticket(bot)
    await bot.sender.slash("/escalate", "", user_id=AGENT)
    await bot.slack.wait_for("views.open", count=2)
    view = bot.slack.latest_view()
    bot.slack.fail_next("chat.postMessage", status=500, times=8)  # every post of the escalation fails at first
    state = view_state(view, {"Ticket number": f"#{ticket.number}", "Reason": "needs engineering"})
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))
    assert reply.status == 200 and not reply.body
    await bot.runtime.drain()
    assert outcomes(bot, "chat.postMessage", channel=AGENT)[:1] == [False], "the DM met Slack's 5xx"

    await slack_recovers(bot)
    [dm] = bot.slack.messages(bot.slack.dm_channel(AGENT))
    assert dm["text"].startswith(f"Escalated #{ticket.number} to ")
    assert outcomes(bot, "chat.postMessage", channel=AGENT)[-1] is True
    assert outcomes(bot, "chat.postMessage", channel=AGENT).count(True) == 1


async def test_a_page_mirror_and_dm_owed_while_slack_fails_are_sent_once_after(bot):
    ticket = await create_ticket(bot, priority="P1")
    bot.slack.fail_next("chat.postMessage", status=503, times=4)
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach: first response overdue")
    assert page.mirror_ts is None and page.dm_ts is None, "nothing posted yet, nothing lost"
    assert outcomes(bot, "chat.postMessage", channel=ONCALL) == [False]
    assert outcomes(bot, "chat.postMessage", channel=PRIMARY) == [False]

    await slack_recovers(bot)
    page = await reload_page(bot, page.id)
    [mirror] = [m for m in bot.slack.messages(ONCALL) if f"#{ticket.number}" in m["text"]]
    assert mirror["ts"] == page.mirror_ts and f"<@{PRIMARY}>" in mirror["text"]
    assert [m["ts"] for m in bot.slack.messages(bot.slack.dm_channel(PRIMARY))] == [page.dm_ts]
    assert outcomes(bot, "chat.postMessage", channel=ONCALL).count(True) == 1
    assert outcomes(bot, "chat.postMessage", channel=PRIMARY).count(True) == 1


async def test_an_acknowledgement_during_an_outage_reaches_every_mirror_once_slack_is_back(bot):
    ticket = await create_ticket(bot, priority="P1")
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach: first response overdue")
    bot.slack.fail_next("chat.update", status=500, times=3)
    await acknowledge_page(deps=bot.runtime.deps, page_id=page.id, user_id=PRIMARY)
    assert outcomes(bot, "chat.update", ts=page.mirror_ts) == [False]

    await slack_recovers(bot)
    for channel, ts in ((ONCALL, page.mirror_ts), (page.dm_channel_id, page.dm_ts)):
        assert f"*Acknowledged* by <@{PRIMARY}>" in text_of(bot.slack.message(channel, ts)), channel
    assert outcomes(bot, "chat.update", ts=page.mirror_ts)[-1] is True


async def test_a_war_room_change_owed_while_slack_fails_reaches_the_war_room_once_after(bot):
    incident, _ = await declare(bot)
    bot.slack.fail_next("chat.postMessage", status=500, times=2)
    bot.slack.fail_next("conversations.invite", status=502)
    bot.slack.fail_next("conversations.setTopic", status=503)
    bot.slack.fail_next("chat.update", status=500, times=2)
    await slash(bot, f"commander <@{HELPER}|helper>", channel=incident.channel_id)
    await eventually(lambda: len(bot.slack.calls_to("conversations.invite")) == 2)  # the declaration's, then this
    await bot.runtime.drain()
    assert HELPER not in bot.slack.members[incident.channel_id], "Slack was down: nothing done yet, nothing lost"

    await slack_recovers(bot)
    assert HELPER in bot.slack.members[incident.channel_id]
    assert outcomes(bot, "conversations.invite", channel=incident.channel_id)[-2:] == [False, True]
    assert outcomes(bot, "conversations.setTopic", channel=incident.channel_id)[-2:] == [False, True]
    assert outcomes(bot, "chat.update", ts=incident.declaration_ts)[-1] is True
    assert bot.slack.channels[incident.channel_id]["topic"]["value"] == f"P1 · High | Open | Commander: <@{HELPER}>"
    handed = [m for m in bot.slack.messages(incident.channel_id) if "handed command" in text_of(m)]
    assert len(handed) == 1, "the war-room post went out once"
    assert f"*Commander:* <@{HELPER}>" in text_of(bot.slack.message(incident.channel_id, incident.declaration_ts))
    assert f"<@{HELPER}>" in text_of(bot.slack.message(INCIDENTS, incident.announcement_ts))


async def test_the_relay_renders_cards_with_the_renderers_it_is_given_and_none_is_kept_in_a_registry(bot):
    ticket = await create_ticket(bot)
    async with bot.runtime.sessions.begin() as db:
        await owe_card_update(db, await db.get(Ticket, ticket.id), now=bot.clock())
    unwired = dataclasses.replace(bot.runtime.deps, outbox_renderers=None)
    assert await deliver_outbox(unwired) == 0, "a relay given no card renderer sends no card"
    await expire_leases(bot.runtime.sessions)

    plain = Renderers(ticket_card=lambda ticket, config, now: (f"card of #{ticket.number}", []))
    assert await deliver_outbox(dataclasses.replace(bot.runtime.deps, outbox_renderers=plain)) == 1
    assert bot.slack.calls_to("chat.update")[-1].args["text"] == f"card of #{ticket.number}"


async def test_a_knowledge_base_answer_owed_while_slack_fails_is_posted_once_after(kb_bot):
    bot = kb_bot
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=3)
    bot.slack.fail_next("chat.postMessage", status=500)
    event = await ask(bot, "<@U0BOT> how do I reset 2FA?", channel="C0GENERAL", mention=True)
    await bot.runtime.drain()
    assert outcomes(bot, "chat.postMessage", thread_ts=event["ts"]) == [False]

    await slack_recovers(bot)
    [answer] = [m for m in bot.slack.thread("C0GENERAL", event["ts"]) if m.get("bot_id")]
    assert "Reset or recover two-factor authentication (2FA)" in texts(answer["blocks"])
    assert outcomes(bot, "chat.postMessage", thread_ts=event["ts"]) == [False, False, True]
