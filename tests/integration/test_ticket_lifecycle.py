"""Claim, Resolve, Reopen and the satisfaction survey, as agents and reporters click them.

Every step is a signed request into the running app; Slack is the fake Web API.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from workflows.tickets.ids import TicketAction
from models.tickets import Ticket, TicketEvent
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.sla_steps import settle
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts
from tests.waiting import until
from workflows.errors import InvalidState, TicketNotFound
from workflows.tickets.lifecycle import reopen_ticket_by_number

AGENT = "U0AGENT"
OTHER = "U0OTHER"


# -- steps ------------------------------------------------------------------------


def card_of(bot, ticket: Ticket) -> dict:
    return bot.slack.message(ticket.channel_id, ticket.message_ts)


def buttons(message: dict) -> list[str]:
    return [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e["type"] == "button"]


def card_click(bot, ticket: Ticket, action: TicketAction, user_id: str, *, message: dict | None = None,
               answer: str | None = None) -> dict:
    """A click on the card (``message``: a card as it was earlier, for a stale click)."""
    return block_actions_payload(
        str(action), str(ticket.id), user_id=user_id, channel_id=ticket.channel_id,
        message=message or card_of(bot, ticket),
        response_url=bot.slack.response_url(answer) if answer else None,
    )


async def click(bot, payload: dict) -> None:
    """Click, and wait until the click's listener has finished (its card update, thread
    note and DMs all sent): the next step then sees what the person would."""
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text
    await settle(bot)


async def claim(bot, ticket: Ticket, user_id: str = AGENT) -> None:
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, card_click(bot, ticket, TicketAction.CLAIM, user_id))
    await bot.slack.wait_for("chat.update", count=updates + 1)


async def open_resolve_modal(bot, ticket: Ticket, user_id: str = AGENT) -> dict:
    opened = len(bot.slack.calls_to("views.open"))
    await click(bot, card_click(bot, ticket, TicketAction.RESOLVE, user_id))
    await bot.slack.wait_for("views.open", count=opened + 1)
    return bot.slack.latest_view()


async def submit_resolution(bot, view: dict, values: dict, user_id: str = AGENT):
    return await bot.sender.interactive(view_submission_payload(view, view_state(view, values), user_id=user_id))


async def resolve(bot, ticket: Ticket, user_id: str = AGENT, **values) -> None:
    view = await open_resolve_modal(bot, ticket, user_id)
    posts = len(bot.slack.calls_to("chat.postMessage"))
    reply = await submit_resolution(bot, view, {"Resolution": "Reset the password", **values}, user_id)
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postMessage", count=posts + (1 if user_id == REPORTER else 2))


def survey_calls(bot) -> list:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == REPORTER and c.ok]


def survey(bot) -> dict:
    call = survey_calls(bot)[-1]
    return bot.slack.message(call.response["channel"], call.response["ts"])


def rating_click(bot, rating: int, user_id: str = REPORTER, answer: str | None = None) -> dict:
    message = survey(bot)
    [block] = [b for b in message["blocks"] if b["type"] == "actions"]
    button = block["elements"][rating - 1]
    return block_actions_payload(
        button["action_id"], button["value"], user_id=user_id, channel_id=message["channel"], message=message,
        response_url=bot.slack.response_url(answer) if answer else None,
    )


async def stored(bot, ticket: Ticket) -> Ticket:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).where(Ticket.id == ticket.id))).scalar_one()


async def timeline(bot, ticket: Ticket) -> list[TicketEvent]:
    async with bot.runtime.sessions() as db:
        rows = await db.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        return list(rows.scalars())


async def kinds(bot, ticket: Ticket) -> list[str]:
    return [str(e.kind) for e in await timeline(bot, ticket)]


# -- claim --------------------------------------------------------------------------


async def test_claim_assigns_the_clicker_updates_the_card_and_notes_it_in_the_thread(bot, clock):
    ticket = await create_ticket(bot)
    clock.advance(timedelta(minutes=5))
    await claim(bot, ticket)
    assert (await stored(bot, ticket)).assignee_id == AGENT
    card = card_of(bot, ticket)
    assert "In progress, assigned to <@U0AGENT>" in str(card["blocks"])
    assert (await stored(bot, ticket)).status == "in_progress"
    assert buttons(card)[0] == "Take over"
    await until(lambda: bot.slack.thread(ticket.channel_id, ticket.message_ts))
    assert bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]["text"] == "<@U0AGENT> claimed #1."
    claimed = (await timeline(bot, ticket))[-1]
    assert (claimed.kind, claimed.actor_id, claimed.at, claimed.detail) == ("claimed", AGENT, clock(), None)


async def test_claiming_a_ticket_you_hold_changes_nothing_and_says_so(bot):
    ticket = await create_ticket(bot)
    await claim(bot, ticket)
    await until(lambda: bot.slack.thread(ticket.channel_id, ticket.message_ts))
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, card_click(bot, ticket, TicketAction.CLAIM, AGENT, answer="again"))
    [answer] = await bot.slack.wait_for_response("again")
    assert answer["text"] == "You already have #1." and answer["response_type"] == "ephemeral"
    assert await kinds(bot, ticket) == ["created", "claimed"]
    assert len(bot.slack.calls_to("chat.update")) == updates
    assert len(bot.slack.thread(ticket.channel_id, ticket.message_ts)) == 1


async def test_take_over_records_the_previous_assignee(bot):
    ticket = await create_ticket(bot)
    await claim(bot, ticket, AGENT)
    await claim(bot, ticket, OTHER)
    assert (await stored(bot, ticket)).assignee_id == OTHER
    took_over = (await timeline(bot, ticket))[-1]
    assert (took_over.kind, took_over.actor_id, took_over.detail) == ("claimed", OTHER, {"previous_assignee": AGENT})
    await until(lambda: len(bot.slack.thread(ticket.channel_id, ticket.message_ts)) == 2)
    assert bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]["text"] == \
        "<@U0OTHER> took over #1 from <@U0AGENT>."
    assert "In progress, assigned to <@U0OTHER>" in str(card_of(bot, ticket)["blocks"])


async def test_claim_on_a_resolved_ticket_is_refused(bot):
    ticket = await create_ticket(bot)
    open_card = card_of(bot, ticket)
    await resolve(bot, ticket)
    await click(bot, card_click(bot, ticket, TicketAction.CLAIM, OTHER, message=open_card, answer="late"))
    [answer] = await bot.slack.wait_for_response("late")
    assert "#1 is resolved; reopen it first." in answer["text"]
    assert (await stored(bot, ticket)).assignee_id is None
    assert "claimed" not in await kinds(bot, ticket)


async def test_concurrent_claims_by_one_person_claim_once(bot):
    ticket = await create_ticket(bot)
    card = card_of(bot, ticket)
    payloads = [card_click(bot, ticket, TicketAction.CLAIM, AGENT, message=card, answer=f"c{i}") for i in range(2)]
    replies = await asyncio.gather(*(bot.sender.interactive(p) for p in payloads))
    assert [r.status for r in replies] == [200, 200]
    await until(lambda: sum(len(bot.slack.responses[f"c{i}"]) for i in range(2)) == 1)
    await until(lambda: bot.slack.thread(ticket.channel_id, ticket.message_ts))
    await bot.runtime.drain()  # every listener has finished
    assert await kinds(bot, ticket) == ["created", "claimed"]
    assert len(bot.slack.thread(ticket.channel_id, ticket.message_ts)) == 1


# -- resolve ------------------------------------------------------------------------


async def test_resolve_button_opens_the_resolution_modal(bot):
    ticket = await create_ticket(bot)
    view = await open_resolve_modal(bot, ticket)
    assert view["callback_id"] == "ticket_resolve" and view["private_metadata"] == str(ticket.id)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["label"]["text"], b["optional"]) for b in inputs] == [
        ("Resolution", False), ("Root cause", True), ("Follow-up needed", True),
        ("Knowledge base", True)]  # app.yaml has a knowledge_base: "Add to knowledge base"


async def test_resolving_updates_card_posts_summary_and_surveys_the_reporter(bot, clock):
    ticket = await create_ticket(bot)
    await claim(bot, ticket)
    clock.advance(timedelta(hours=2, minutes=30))
    await resolve(bot, ticket, **{"Root cause": "Expired token", "Follow-up needed": "Rotate the keys"})
    row = await stored(bot, ticket)
    assert (row.status, row.resolved_at, row.resolved_by) == ("resolved", clock(), AGENT)
    assert (row.resolution, row.root_cause, row.follow_up) == ("Reset the password", "Expired token", "Rotate the keys")
    resolved = (await timeline(bot, ticket))[-1]
    assert (resolved.kind, resolved.actor_id, resolved.at) == ("resolved", AGENT, clock())
    card = card_of(bot, ticket)
    assert buttons(card) == ["Reopen"] and "Resolved by <@U0AGENT>" in str(card["blocks"])
    summary = bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]
    text = " ".join(mrkdwn_texts(summary["blocks"]))
    for part in ("#1", "2h 30m", "Reset the password", "*Root cause*", "Expired token",
                 "*Follow-up needed*", "Rotate the keys"):
        assert part in text, part
    message = survey(bot)
    assert message["channel"].startswith("D") and "How did we do on #1" in message["text"]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert actions["block_id"] == "csat"
    assert [e["value"] for e in actions["elements"]] == [f"{ticket.id}:{r}" for r in range(1, 6)]


async def test_summary_leaves_out_root_cause_and_follow_up_when_not_given(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    text = " ".join(mrkdwn_texts(bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]["blocks"]))
    assert "Reset the password" in text and "Root cause" not in text and "Follow-up" not in text


async def test_no_survey_when_the_reporter_resolves_their_own_ticket(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket, user_id=REPORTER)
    await bot.runtime.drain()  # every listener has finished
    assert (await stored(bot, ticket)).status == "resolved"
    assert survey_calls(bot) == []


async def test_resolution_text_is_escaped_in_the_thread_and_on_the_card(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket, **{"Resolution": "<!channel> fixed by <@U123> & co",
                                  "Root cause": "<!here>", "Follow-up needed": "<https://evil.example|x>"})
    summary = bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]
    rendered = " ".join(mrkdwn_texts(summary["blocks"])) + summary["text"]
    rendered += " ".join(mrkdwn_texts(card_of(bot, ticket)["blocks"]))
    assert "<!channel>" not in rendered and "<@U123>" not in rendered and "<!here>" not in rendered
    assert "<https://evil" not in rendered
    assert "&lt;!channel&gt; fixed by &lt;@U123&gt; &amp; co" in rendered and "&lt;!here&gt;" in rendered


async def test_empty_resolution_is_a_field_error_and_changes_nothing(bot):
    ticket = await create_ticket(bot)
    view = await open_resolve_modal(bot, ticket)
    reply = await submit_resolution(bot, view, {"Resolution": None, "Root cause": "x"})
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {"resolution"}
    reply = await submit_resolution(bot, view, {"Resolution": "   "})
    assert set(reply.json()["errors"]) == {"resolution"}
    assert (await stored(bot, ticket)).status == "new"
    assert await kinds(bot, ticket) == ["created"]


async def test_forged_overlong_root_cause_is_a_field_error(bot):
    ticket = await create_ticket(bot)
    view = await open_resolve_modal(bot, ticket)
    state = view_state(view, {"Resolution": "Done"})
    state["root_cause"]["root_cause_input"]["value"] = "x" * 2001
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))
    assert set(reply.json()["errors"]) == {"root_cause"}
    assert (await stored(bot, ticket)).status == "new"


async def test_submitting_a_resolution_for_a_resolved_ticket_is_a_field_error(bot):
    ticket = await create_ticket(bot)
    view = await open_resolve_modal(bot, ticket)
    await resolve(bot, ticket)
    reply = await submit_resolution(bot, view, {"Resolution": "Fixed it too"})
    assert reply.json() == {"response_action": "errors", "errors": {"resolution": "#1 is already resolved."}}
    assert (await stored(bot, ticket)).resolution == "Reset the password"


async def test_resolve_button_on_a_resolved_ticket_is_refused(bot):
    ticket = await create_ticket(bot)
    open_card = card_of(bot, ticket)
    await resolve(bot, ticket)
    opened = len(bot.slack.calls_to("views.open"))
    await click(bot, card_click(bot, ticket, TicketAction.RESOLVE, OTHER, message=open_card, answer="stale"))
    [answer] = await bot.slack.wait_for_response("stale")
    assert "#1 is already resolved." in answer["text"]
    assert len(bot.slack.calls_to("views.open")) == opened


async def test_concurrent_resolve_submissions_resolve_once(bot):
    ticket = await create_ticket(bot)
    view = await open_resolve_modal(bot, ticket)
    payloads = [view_submission_payload(view, view_state(view, {"Resolution": f"Fix {i}"}), user_id=AGENT)
                for i in range(2)]
    replies = await asyncio.gather(*(bot.sender.interactive(p) for p in payloads))
    assert [r.status for r in replies] == [200, 200]
    await until(lambda: len(survey_calls(bot)) >= 1)
    await bot.runtime.drain()  # every listener has finished
    assert (await kinds(bot, ticket)).count("resolved") == 1
    assert len(survey_calls(bot)) == 1
    summaries = [m for m in bot.slack.thread(ticket.channel_id, ticket.message_ts) if "resolved" in m["text"]]
    assert len(summaries) == 1
    refused = [r.json() for r in replies if r.body] + [
        c.args for c in bot.slack.calls_to("chat.postMessage") if c.args.get("channel") == AGENT]
    assert len(refused) == 1 and "#1 is already resolved." in str(refused[0])


# -- rating -------------------------------------------------------------------------


async def test_rating_is_stored_once_and_the_survey_says_thanks(bot, clock):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    clock.advance(timedelta(minutes=3))
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, rating_click(bot, 4))
    await bot.slack.wait_for("chat.update", count=updates + 1)
    row = await stored(bot, ticket)
    assert (row.csat_rating, row.csat_at) == (4, clock())
    message = survey(bot)
    assert message["text"] == "Thanks — you rated #1 4/5."
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    rated = (await timeline(bot, ticket))[-1]
    assert (rated.kind, rated.actor_id, rated.at, rated.detail) == ("rated", REPORTER, clock(), {"rating": 4})


async def test_a_second_rating_changes_nothing_and_says_so(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    stale_click = rating_click(bot, 2, answer="second")
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, rating_click(bot, 4))
    await bot.slack.wait_for("chat.update", count=updates + 1)
    await click(bot, stale_click)
    [answer] = await bot.slack.wait_for_response("second")
    assert answer["text"] == "You already rated #1 (4/5)." and answer["response_type"] == "ephemeral"
    assert (await stored(bot, ticket)).csat_rating == 4
    assert (await kinds(bot, ticket)).count("rated") == 1
    assert len(bot.slack.calls_to("chat.update")) == updates + 1


async def test_a_double_click_on_the_survey_stores_one_rating(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    payloads = [rating_click(bot, 5, answer="d0"), rating_click(bot, 3, answer="d1")]
    replies = await asyncio.gather(*(bot.sender.interactive(p) for p in payloads))
    assert [r.status for r in replies] == [200, 200]
    await until(lambda: len(bot.slack.responses["d0"]) + len(bot.slack.responses["d1"]) == 1)
    await bot.runtime.drain()  # every listener has finished
    events = [e for e in await timeline(bot, ticket) if e.kind == "rated"]
    assert len(events) == 1
    assert (await stored(bot, ticket)).csat_rating == events[0].detail["rating"]
    [answer] = bot.slack.responses["d0"] + bot.slack.responses["d1"]
    assert answer["text"] == f"You already rated #1 ({events[0].detail['rating']}/5)."


async def test_only_the_reporter_may_rate(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    await click(bot, rating_click(bot, 1, user_id=OTHER, answer="intruder"))
    [answer] = await bot.slack.wait_for_response("intruder")
    assert "Only the person who reported #1 can rate it." in answer["text"]
    assert (await stored(bot, ticket)).csat_rating is None
    assert "rated" not in await kinds(bot, ticket)


# -- reopen -------------------------------------------------------------------------


async def test_reopen_button_reopens_and_counts(bot, clock):
    ticket = await create_ticket(bot)
    await claim(bot, ticket)
    await resolve(bot, ticket)
    clock.advance(timedelta(days=1))
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, card_click(bot, ticket, TicketAction.REOPEN, REPORTER))
    await bot.slack.wait_for("chat.update", count=updates + 1)
    row = await stored(bot, ticket)
    assert (row.status, row.resolved_at, row.resolved_by, row.reopen_count) == ("in_progress", None, None, 1)
    assert row.assignee_id == AGENT
    reopened = (await timeline(bot, ticket))[-1]
    assert (reopened.kind, reopened.actor_id, reopened.at) == ("reopened", REPORTER, clock())
    assert reopened.detail["resolution"] == "Reset the password" and reopened.detail["resolved_by"] == AGENT
    card = card_of(bot, ticket)
    assert "Reopen" not in buttons(card) and {"Take over", "Resolve"} <= set(buttons(card))
    assert "Reopened 1×" in str(card["blocks"])
    await until(lambda: bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]["text"] == "<@U0REPORTER> reopened #1.")


async def test_slash_ticket_reopen_reopens_by_number(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    updates = len(bot.slack.calls_to("chat.update"))
    reply = await bot.sender.slash("/ticket", "reopen #1", user_id=AGENT, response_url=bot.slack.response_url("r"))
    assert reply.status == 200
    await bot.slack.wait_for("chat.update", count=updates + 1)
    assert (await stored(bot, ticket)).reopen_count == 1
    assert "Reopened 1×" in str(card_of(bot, ticket)["blocks"])
    assert (await timeline(bot, ticket))[-1].actor_id == AGENT


async def test_reopening_an_open_ticket_is_an_error(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    resolved_card = card_of(bot, ticket)
    await click(bot, card_click(bot, ticket, TicketAction.REOPEN, AGENT))
    await until(lambda: any("reopened" in m["text"] for m in bot.slack.thread(ticket.channel_id, ticket.message_ts)))
    await click(bot, card_click(bot, ticket, TicketAction.REOPEN, OTHER, message=resolved_card, answer="twice"))
    [answer] = await bot.slack.wait_for_response("twice")
    assert "#1 is open; there is nothing to reopen." in answer["text"]
    assert (await stored(bot, ticket)).reopen_count == 1
    with pytest.raises(InvalidState, match=r"#1 is open; there is nothing to reopen\."):
        await reopen_ticket_by_number(deps=bot.runtime.deps, team_id=ticket.team_id, number=1, actor_id=AGENT)
    with pytest.raises(TicketNotFound):
        await reopen_ticket_by_number(deps=bot.runtime.deps, team_id=ticket.team_id, number=99, actor_id=AGENT)
    with pytest.raises(TicketNotFound):
        await reopen_ticket_by_number(deps=bot.runtime.deps, team_id="T0ELSEWHERE", number=1, actor_id=AGENT)


async def test_a_rated_ticket_resolved_again_gets_no_second_survey(bot):
    ticket = await create_ticket(bot)
    await resolve(bot, ticket)
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, rating_click(bot, 5))
    await bot.slack.wait_for("chat.update", count=updates + 1)
    await reopen_ticket_by_number(deps=bot.runtime.deps, team_id=ticket.team_id, number=1, actor_id=AGENT)
    view = await open_resolve_modal(bot, ticket)
    await submit_resolution(bot, view, {"Resolution": "Really fixed now"})
    await until(lambda: "Really fixed now" in str(bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]))
    await bot.runtime.drain()  # every listener has finished
    assert len(survey_calls(bot)) == 1


# -- the timeline -----------------------------------------------------------------


async def test_every_change_is_a_timeline_row_with_actor_and_time(bot, clock):
    ticket = await create_ticket(bot)
    steps = []
    clock.advance(timedelta(minutes=1))
    await claim(bot, ticket, AGENT)
    steps.append(clock())
    clock.advance(timedelta(minutes=1))
    await resolve(bot, ticket)
    steps.append(clock())
    clock.advance(timedelta(minutes=1))
    updates = len(bot.slack.calls_to("chat.update"))
    await click(bot, rating_click(bot, 3))
    await bot.slack.wait_for("chat.update", count=updates + 1)
    steps.append(clock())
    clock.advance(timedelta(minutes=1))
    await reopen_ticket_by_number(deps=bot.runtime.deps, team_id=ticket.team_id, number=1, actor_id=OTHER)
    steps.append(clock())
    events = await timeline(bot, ticket)
    assert [(e.kind, e.actor_id) for e in events] == [
        ("created", REPORTER), ("claimed", AGENT), ("resolved", AGENT), ("rated", REPORTER), ("reopened", OTHER)]
    assert [e.at for e in events[1:]] == steps
