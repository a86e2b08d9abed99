"""The /ticket form offers matching articles first; "This solved it" closes the form,
records a deflection and opens no ticket."""

from __future__ import annotations

from handlers.ids import View
from models.knowledge_base import KbSource
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


def form_labels(view: dict) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


async def test_the_ticket_form_shows_matching_articles_above_the_form(kb_bot):
    view = await open_modal(kb_bot, "I forgot my password")
    assert view["callback_id"] == View.NEW_TICKET
    first_input = next(i for i, b in enumerate(view["blocks"]) if b["type"] == "input")
    above = view["blocks"][:first_input]
    assert "Reset a forgotten password" in texts(above)
    assert "This solved it" in buttons(above) and "Show article" in buttons(above)
    assert form_labels(view) == ["Summary", "Description", "Category", "Priority", "Customer"]
    [search] = await searches(kb_bot)
    assert (search.source, search.user_id, search.matched) == (KbSource.TICKET_MODAL, REPORTER, True)
    assert search.results[0] == "password-reset" and len(search.results) <= 3


async def test_this_solved_it_closes_the_form_and_opens_no_ticket(kb_bot):
    view = await open_modal(kb_bot, "my card keeps getting declined")
    await click_in_view(kb_bot, view, "This solved it", user_id=REPORTER)
    [update] = await kb_bot.slack.wait_for("views.update")
    assert update.ok and update.args["view_id"] == view["id"]
    thanks = kb_bot.slack.latest_view()
    assert thanks["callback_id"] == View.KB_THANKS and "Payment failed or card declined" in texts(thanks["blocks"])
    assert not [b for b in thanks["blocks"] if b["type"] == "input"] and thanks.get("submit") is None
    [deflection] = await deflections(kb_bot)
    assert (deflection.user_id, deflection.article_slug, deflection.category) == (
        REPORTER, "payment-failed", "Payment failed")
    assert await ticket_count(kb_bot) == 0
    assert kb_bot.slack.calls_to("chat.postMessage") == []

    await click_in_view(kb_bot, view, "This solved it", user_id=REPORTER)  # a double click
    await kb_bot.slack.wait_for("views.update", count=2)
    assert len(await deflections(kb_bot)) == 1


async def test_show_article_opens_it_over_the_form(kb_bot):
    view = await open_modal(kb_bot, "lost my phone with the authenticator app")
    await click_in_view(kb_bot, view, "Show article", user_id=REPORTER)
    [push] = await kb_bot.slack.wait_for("views.push")
    assert push.ok
    article = kb_bot.slack.latest_view()
    assert article["callback_id"] == View.KB_ARTICLE and article["close"]["text"] == "Back"
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
    assert await deflections(kb_bot) == [] and kb_bot.slack.calls_to("views.update") == []
