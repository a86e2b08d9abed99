"""The /ticket form offers matching articles first; "This solved it" closes the form,
records a deflection and opens no ticket."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from sqlalchemy import select

from workflows.kb.ids import KbView
from workflows.tickets.ids import TicketAction, TicketBlock, TicketView
from models.knowledge_base import KbSource
from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.kb_steps import (  # noqa: F401  (fixtures)
    buttons,
    click_in_view,
    deflections,
    kb_bot,
    kb_folder,
    searches,
    start_bot,
    stop_bot,
    texts,
    ticket_count,
)
from tests.ticket_steps import REPORTER, open_modal, submit
from tests.waiting import drain, until
from workflows.tickets import form as new_ticket_modal
from workflows.kb.messages import build_kb_thanks_modal


def form_labels(view: dict) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


async def test_the_ticket_form_shows_matching_articles_above_the_form(kb_bot):
    view = await open_modal(kb_bot, "I forgot my password")
    assert view["callback_id"] == TicketView.NEW_TICKET
    first_input = next(i for i, b in enumerate(view["blocks"]) if b["type"] == "input")
    above = view["blocks"][:first_input]
    assert "Reset a forgotten password" in texts(above)
    assert "This solved it" in buttons(above) and "Show article" in buttons(above)
    assert form_labels(view) == ["Summary", "Description", "Category", "Priority", "Customer", "Private"]
    [search] = await searches(kb_bot)
    assert (search.source, search.user_id, search.matched) == (KbSource.TICKET_MODAL, REPORTER, True)
    assert search.results[0] == "password-reset" and len(search.results) <= 3


async def test_this_solved_it_closes_the_form_and_opens_no_ticket(kb_bot):
    view = await open_modal(kb_bot, "my card keeps getting declined")  # opened, then updated with the articles
    await click_in_view(kb_bot, view, "This solved it", user_id=REPORTER)
    [_, update] = await kb_bot.slack.wait_for("views.update", count=2)
    assert update.ok and update.args["view_id"] == view["id"]
    thanks = kb_bot.slack.latest_view()
    assert thanks["callback_id"] == KbView.KB_THANKS and "Payment failed or card declined" in texts(thanks["blocks"])
    assert not [b for b in thanks["blocks"] if b["type"] == "input"] and thanks.get("submit") is None
    [deflection] = await deflections(kb_bot)
    assert (deflection.user_id, deflection.article_slug, deflection.category) == (
        REPORTER, "payment-failed", "Payment failed")
    assert await ticket_count(kb_bot) == 0
    assert kb_bot.slack.calls_to("chat.postMessage") == []

    await click_in_view(kb_bot, view, "This solved it", user_id=REPORTER)  # a double click
    await kb_bot.slack.wait_for("views.update", count=3)
    assert len(await deflections(kb_bot)) == 1


async def test_show_article_opens_it_over_the_form(kb_bot):
    view = await open_modal(kb_bot, "lost my phone with the authenticator app")
    await click_in_view(kb_bot, view, "Show article", user_id=REPORTER)
    [push] = await kb_bot.slack.wait_for("views.push")
    assert push.ok
    article = kb_bot.slack.latest_view()
    assert article["callback_id"] == KbView.KB_ARTICLE and article["close"]["text"] == "Back"
    assert "Use a backup code" in texts(article["blocks"])
    assert await deflections(kb_bot) == [] and await ticket_count(kb_bot) == 0


async def test_the_form_still_opens_tickets_with_articles_above_it(kb_bot):
    view = await open_modal(kb_bot, "I forgot my password")
    reply = await submit(kb_bot, view, {"Category": "Login problems", "Priority": "P2"})
    assert reply.status == 200 and not reply.body
    await kb_bot.slack.wait_for("chat.postMessage")
    await kb_bot.runtime.drain()
    assert await ticket_count(kb_bot) == 1 and await deflections(kb_bot) == []


async def test_no_article_matches_the_form_is_as_before_and_the_question_is_a_gap(kb_bot):
    view = await open_modal(kb_bot, "export invoices to quickbooks")
    assert view["blocks"][0]["type"] == "input" and buttons(view["blocks"]) == {}
    [search] = await searches(kb_bot)
    assert search.matched is False and search.results == [] and search.terms == "export invoices quickbooks"


async def test_an_empty_ticket_command_searches_nothing(kb_bot):
    view = await open_modal(kb_bot, "")
    assert view["blocks"][0]["type"] == "input"
    assert await searches(kb_bot) == []


async def test_the_example_app_yaml_offers_the_starter_articles(bot):
    view = await open_modal(bot, "I forgot my password")
    assert "Reset a forgotten password" in texts(view["blocks"])


async def test_without_a_knowledge_base_the_form_has_no_articles(database_url, fake_slack, clock, config):
    bot = await start_bot(database_url, fake_slack, clock, config.model_copy(update={"knowledge_base": None}))
    try:
        view = await open_modal(bot, "I forgot my password")
        assert view["blocks"][0]["type"] == "input" and buttons(view["blocks"]) == {}
        assert await searches(bot) == []
    finally:
        await stop_bot(bot)


async def test_someone_else_cannot_mark_the_question_solved(kb_bot):
    view = await open_modal(kb_bot, "I forgot my password")
    await click_in_view(kb_bot, view, "This solved it", user_id="U0SOMEONE")
    [note] = await kb_bot.slack.wait_for("chat.postMessage")
    assert "Only <@U0REPORTER>" in note.args["text"]
    [articles_added] = kb_bot.slack.calls_to("views.update")  # only the one that added the articles
    assert await deflections(kb_bot) == [] and texts(articles_added.args["view"]["blocks"]) in texts(view["blocks"])


# -- the form opens first; the articles follow with views.update -------------------


def input_ids(view: dict) -> list[tuple[str, str]]:
    return [(b["block_id"], b["element"]["action_id"]) for b in view["blocks"] if b["type"] == "input"]


async def logged(caplog, level: int, text: str, timeout: float = 5.0) -> None:
    """Wait until a record at ``level`` mentioning ``text`` was logged (the listener runs
    on after Slack's call was answered)."""
    await until(lambda: any(r.levelno == level and text in r.getMessage() for r in caplog.records), timeout,
                what=lambda: f"a log record with {text!r} (logged: {[r.getMessage() for r in caplog.records]})")


async def slash_ticket(bot, text: str) -> dict:
    """``/ticket text``; the views.open answer (the form as Slack stored it)."""
    reply = await bot.sender.slash("/ticket", text, user_id=REPORTER, response_url=bot.slack.response_url("r1"))
    assert reply.status == 200
    [opened] = await bot.slack.wait_for("views.open")
    assert opened.ok, opened
    return opened.response["view"]


async def test_the_form_opens_before_the_search_and_the_articles_follow(kb_bot):
    opened = await slash_ticket(kb_bot, "I forgot my password")
    assert opened["blocks"][0]["type"] == "input" and buttons(opened["blocks"]) == {}  # no articles yet
    [update] = await kb_bot.slack.wait_for("views.update")
    assert update.ok and update.args["view_id"] == opened["id"] and update.args["hash"] == opened["hash"]
    view = update.response["view"]
    assert view["hash"] != opened["hash"] and view["id"] == opened["id"]
    assert "Reset a forgotten password" in texts(view["blocks"]) and "This solved it" in buttons(view["blocks"])
    assert input_ids(view) == input_ids(opened)  # Slack keeps what was typed
    assert kb_bot.slack.calls.index(update) > kb_bot.slack.calls.index(kb_bot.slack.calls_to("views.open")[0])
    [search] = await searches(kb_bot)
    assert search.results[0] == "password-reset"


async def test_no_search_is_made_when_the_form_cannot_open(kb_bot):
    kb_bot.slack.fail_next("views.open", error="expired_trigger_id")
    reply = await kb_bot.sender.slash("/ticket", "I forgot my password", user_id=REPORTER,
                                      response_url=kb_bot.slack.response_url("r1"))
    assert reply.status == 200
    await kb_bot.slack.wait_for_response("r1")  # the error answer
    await kb_bot.runtime.drain()
    assert await searches(kb_bot) == [] and kb_bot.slack.calls_to("views.update") == []


async def test_what_the_person_typed_meanwhile_is_kept(kb_bot):
    fake = kb_bot.slack
    fake.after_next("views.open", lambda answer: fake.enter_in_view(
        answer["view"]["id"], {"Description": "It says my password expired", "Priority": "P1"}))
    opened = await slash_ticket(kb_bot, "I forgot my password")
    [update] = await fake.wait_for("views.update")
    assert update.ok
    form = fake.views[opened["id"]]
    assert "This solved it" in buttons(form["blocks"])
    typed = form["state"]["values"]  # kept across the update: same block_id and action_id
    assert typed[TicketBlock.DESCRIPTION][TicketAction.DESCRIPTION]["value"] == "It says my password expired"
    state = {**typed, TicketBlock.CATEGORY: view_state(form, {"Category": "Login problems"})[TicketBlock.CATEGORY]}
    reply = await kb_bot.sender.interactive(view_submission_payload(form, state, user_id=REPORTER))
    assert reply.status == 200 and not reply.body
    await fake.wait_for("chat.postMessage")
    await kb_bot.runtime.drain()
    async with kb_bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert (ticket.description, ticket.priority) == ("It says my password expired", "P1")


async def test_a_form_changed_meanwhile_is_not_overwritten(kb_bot, caplog):
    fake = kb_bot.slack

    def change(answer: dict) -> None:  # another change to the view gives it a new hash
        fake.views_update({"view_id": answer["view"]["id"], "view": build_kb_thanks_modal(None)})

    fake.after_next("views.open", change)
    caplog.set_level(logging.INFO, logger="workflows.tickets.form")
    opened = await slash_ticket(kb_bot, "I forgot my password")
    [update] = await fake.wait_for("views.update")
    assert update.response["error"] == "hash_conflict"
    await logged(caplog, logging.INFO, "hash_conflict")  # the listener has finished
    assert fake.views[opened["id"]]["callback_id"] == KbView.KB_THANKS  # the other change stands
    assert fake.responses["r1"] == [] and fake.calls_to("chat.postEphemeral") == []  # no error shown
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    [search] = await searches(kb_bot)  # the search is still recorded
    assert search.matched


async def test_a_form_closed_before_the_articles_arrive_gets_none(kb_bot, caplog):
    fake = kb_bot.slack
    fake.after_next("views.open", lambda answer: fake.close_view(answer["view"]["id"]))
    caplog.set_level(logging.INFO, logger="workflows.tickets.form")
    await slash_ticket(kb_bot, "I forgot my password")
    [update] = await fake.wait_for("views.update")
    assert update.response["error"] == "not_found"
    await logged(caplog, logging.INFO, "not_found")  # the listener has finished
    assert fake.responses["r1"] == [] and fake.calls_to("chat.postEphemeral") == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- the articles are a nicety: they wait while the bot answers Slack -----------------


async def test_the_articles_wait_while_slack_requests_are_being_answered(kb_bot):
    busy = kb_bot.runtime.spare_time.request()  # as bot/server.py holds it around a request
    busy.__enter__()
    try:
        await slash_ticket(kb_bot, "I forgot my password")
        await drain(kb_bot)  # the listener is done: the articles' search is offered to spare time
        # Spare time waits on the wall clock (a job's patience is in seconds): a held job
        # must stay held over a real stretch of it, so this pause is what is tested.
        await asyncio.sleep(0.3)
        assert kb_bot.slack.calls_to("views.update") == [] and await searches(kb_bot) == []
    finally:
        busy.__exit__(None, None, None)
    [update] = await kb_bot.slack.wait_for("views.update")
    assert update.ok and "Reset a forgotten password" in texts(update.response["view"]["blocks"])
    [search] = await searches(kb_bot)
    assert search.matched


async def test_a_form_that_gets_no_spare_time_stays_as_it_opened_and_the_skip_is_counted(kb_bot, monkeypatch):
    monkeypatch.setattr(new_ticket_modal, "SUGGESTION_PATIENCE", 0.2)
    with kb_bot.runtime.spare_time.request():  # the bot never stops answering Slack
        opened = await slash_ticket(kb_bot, "I forgot my password")
        await until(lambda: kb_bot.runtime.spare_time.skipped, what="the articles skipped after their 0.2 s patience")
    await asyncio.wait_for(kb_bot.runtime.spare_time.idle(), 5.0)
    await drain(kb_bot)
    assert opened["blocks"][0]["type"] == "input"  # the form is open, without articles
    assert kb_bot.slack.calls_to("views.update") == [] and await searches(kb_bot) == []
    assert kb_bot.slack.responses["r1"] == [] and kb_bot.slack.calls_to("chat.postEphemeral") == []
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{kb_bot.service.port}/metrics") as got:
        body = await got.text()
    assert 'supportbot_spare_time_skipped_total{work="kb_suggestions"} 1.0' in body
