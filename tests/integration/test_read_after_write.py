"""A person's request reads what their earlier requests changed, even when Slack had the
earlier one acknowledged before its change committed (``bot/request_order.py``).

Each test makes one kind of change through the path people use, while the database
holds every write to tickets and incidents (``tests.dbutil.held_writes``: the change is
acknowledged but cannot commit yet, as behind a busy SQLite writer), and at once sends
a request that reads. The writes go on as soon as that read has answered or is waiting
for its turn; the read must show the change. The clock ticks one second per reading,
so that what happens later is stamped later, as with a real clock."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from workflows.tickets.ids import TicketAction
from tests.dbutil import held_writes
from tests.fakes.clock import FakeClock
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import Reply, block_actions_payload, view_submission_payload
from tests.incident_steps import GENERAL, IC, declare
from tests.integration.test_ticket_lifecycle import open_resolve_modal, rating_click, resolve
from tests.sla_steps import AGENT, card, settle, shown, until
from tests.ticket_steps import REPORTER, create_ticket, open_modal

_names = itertools.count(1)


class TickingClock(FakeClock):
    """Each reading is one second after the one before."""

    def __call__(self):
        return self.advance(timedelta(seconds=1))


@pytest.fixture
def clock() -> FakeClock:
    return TickingClock()


async def read_right_after(bot, write: Callable[[], Awaitable[Reply]], read: str, *, user: str = AGENT,
                           command: str = "/ticket", channel: str = GENERAL) -> str:
    """Send ``write`` while writes are held, then at once ``command read`` as ``user``;
    the read's private answer, or "" when it answered in the channel instead."""
    name = f"read{next(_names)}"
    order = bot.runtime.request_order
    async with held_writes(bot.runtime.engine):
        reply = await write()
        assert reply.status == 200 and not reply.body, reply.text
        reply = await bot.sender.slash(command, read, user_id=user, channel_id=channel,
                                       response_url=bot.slack.response_url(name))
        assert reply.status == 200

        async def answered_or_waiting() -> bool:
            return bool(bot.slack.responses[name]) or order.waiting > 0
        await until(answered_or_waiting, what="the read's answer or its wait for its turn")
    await settle(bot)
    return "\n".join(shown(answer) for answer in bot.slack.responses[name])


def first_line(answer: str) -> str:
    return answer.split("\n", 1)[0]


def card_click(bot, ticket, action: TicketAction, user_id: str = AGENT) -> Callable[[], Awaitable[Reply]]:
    payload = block_actions_payload(str(action), str(ticket.id), user_id=user_id, channel_id=ticket.channel_id,
                                    message=card(bot, ticket))
    return lambda: bot.sender.interactive(payload)


def command(bot, name: str, text: str, user_id: str = AGENT, channel: str = GENERAL) -> Callable[[], Awaitable[Reply]]:
    url = bot.slack.response_url(f"write{next(_names)}")  # where the command's own answer, if any, goes
    return lambda: bot.sender.slash(name, text, user_id=user_id, channel_id=channel, response_url=url)


async def test_a_new_ticket_is_counted_by_the_next_request(bot):
    view = await open_modal(bot, "Cannot log in")
    state = view_state(view, {"Category": "Login problems", "Priority": "P2", "Customer": "ACME"})
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    assert reply.status == 200 and not reply.body  # stored before the form closes
    name = f"read{next(_names)}"
    await bot.sender.slash("/ticket", "stats 7d", user_id=REPORTER, response_url=bot.slack.response_url(name))
    [answer] = await bot.slack.wait_for_response(name)
    await settle(bot)
    assert "1 opened, 0 resolved, 1 open" in answer["text"]


async def test_stats_right_after_the_resolve_form_count_the_resolution(bot):
    tickets = [await create_ticket(bot, f"Cannot log in {n}") for n in range(3)]
    view = await open_resolve_modal(bot, tickets[0])
    state = view_state(view, {"Resolution": "Reset the password"})
    submit = lambda: bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))  # noqa: E731
    answer = await read_right_after(bot, submit, "stats 7d")
    assert "3 opened, 1 resolved, 2 open" in first_line(answer), first_line(answer)


async def test_a_claim_is_seen_by_the_next_request(bot):
    ticket = await create_ticket(bot)
    answer = await read_right_after(bot, card_click(bot, ticket, TicketAction.CLAIM), f"#{ticket.number}")
    assert f"In progress, assigned to <@{AGENT}>" in answer, answer


async def test_a_reopen_is_seen_by_the_next_request(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    await settle(bot)
    answer = await read_right_after(bot, command(bot, "/ticket", f"reopen #{ticket.number}"), f"#{ticket.number}")
    assert "Resolved by" not in answer and "New, unassigned" in answer, answer


async def test_an_escalation_is_seen_by_the_next_request(bot, config):
    ticket = await create_ticket(bot)
    escalate = command(bot, "/escalate", f"#{ticket.number} all EU checkouts fail", channel="C0TIER1FL")
    answer = await read_right_after(bot, escalate, f"#{ticket.number}")
    assert f"*Tier*\n{config.tier('tier2').name}" in answer, answer


async def test_waiting_and_resuming_are_seen_by_the_next_request(bot):
    ticket = await create_ticket(bot)
    answer = await read_right_after(bot, card_click(bot, ticket, TicketAction.WAIT_ON_CUSTOMER), f"#{ticket.number}")
    assert "Waiting on customer since" in answer, answer
    answer = await read_right_after(bot, command(bot, "/ticket", f"resume #{ticket.number}"), f"#{ticket.number}")
    assert "Waiting on customer" not in answer, answer


async def test_a_priority_change_is_seen_by_the_next_request(bot):
    ticket = await create_ticket(bot, priority="P1")
    answer = await read_right_after(bot, command(bot, "/ticket", f"priority #{ticket.number} P3"), f"#{ticket.number}")
    assert f"Ticket #{ticket.number} [P3]" in first_line(answer), first_line(answer)


async def test_a_rating_is_seen_by_the_next_request(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    await settle(bot)
    rate = lambda: bot.sender.interactive(rating_click(bot, 4))  # noqa: E731
    answer = await read_right_after(bot, rate, "stats 7d", user=REPORTER)
    assert "Satisfaction (CSAT): 4.0/5" in answer, answer


async def test_an_incident_declaration_is_seen_by_the_next_request(bot):
    created = len(bot.slack.calls_to("conversations.create"))
    name = f"read{next(_names)}"
    order = bot.runtime.request_order
    async with contextlib.AsyncExitStack() as held:
        # The incident is stored first and the outbox has Slack create its war room; writes are
        # held from Slack's answer on, before the channel is recorded on the incident. Its
        # commander asks for the draft in the new channel at once.
        bot.slack.after_next("conversations.create",
                             lambda _: held.enter_async_context(held_writes(bot.runtime.engine)))
        reply = await bot.sender.slash("/incident", "declare P2 Search is slow", user_id=IC, channel_id=GENERAL,
                                       response_url=bot.slack.response_url(f"write{next(_names)}"))
        assert reply.status == 200
        [call] = (await bot.slack.wait_for("conversations.create", count=created + 1))[created:]
        war_room = call.response["channel"]["id"]
        await bot.sender.slash("/incident", "postmortem", user_id=IC, channel_id=war_room,
                               response_url=bot.slack.response_url(name))

        async def answered_or_waiting() -> bool:
            return bool(bot.slack.responses[name]) or order.waiting > 0
        await until(answered_or_waiting, what="the read's answer or its wait for its turn")
    await settle(bot)
    [answer] = bot.slack.responses[name]
    assert "is still open" in answer["text"], answer  # not "no incident here"


async def test_an_incident_resolution_is_seen_by_the_next_request(bot):
    incident, _ = await declare(bot, "P2 Search is slow")
    await settle(bot)
    drafts = len([c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == incident.channel_id])
    resolve_it = command(bot, "/incident", "resolve Rolled back the index change", user_id=IC,
                         channel=incident.channel_id)
    answer = await read_right_after(bot, resolve_it, "postmortem", user=IC, command="/incident",
                                    channel=incident.channel_id)
    assert answer == "", answer  # no "Incident #1 is still open": the draft is posted in the war room again
    posts = [c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == incident.channel_id]
    assert len(posts) > drafts
