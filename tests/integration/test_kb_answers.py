"""Answers where people ask: @supportbot, a help channel, /kb; and the Solved, Open a
ticket and Show article buttons under an answer."""

from __future__ import annotations

from sqlalchemy import select

from workflows.tickets.ids import TicketView
from models.knowledge_base import KbSource
from models.tickets import Ticket, TicketEvent, TicketEventKind
from tests.kb_steps import (  # noqa: F401  (fixtures)
    ASKER,
    HELP_CHANNEL,
    answer_to,
    ask,
    buttons,
    click_in_message,
    deflections,
    kb_bot,
    kb_folder,
    searches,
    start_bot,
    stop_bot,
    texts,
    ticket_count,
    with_knowledge_base,
)
from tests.sla_steps import settle
from tests.ticket_steps import create_ticket, mrkdwn_texts, submit
from tests.waiting import until

GENERAL = "C0GENERAL"


# -- where questions come from ---------------------------------------------------


async def test_a_mention_gets_a_threaded_answer_with_articles_and_buttons(kb_bot):
    event = await ask(kb_bot, "<@U0BOT> how do I reset 2FA?", channel=GENERAL, mention=True)
    answer = await answer_to(kb_bot, event)
    assert answer["thread_ts"] == event["ts"]
    assert "Reset or recover two-factor authentication (2FA)" in texts(answer["blocks"])
    assert {"Solved", "Open a ticket", "Show article"} <= set(buttons(answer["blocks"]))
    [search] = await searches(kb_bot)
    assert (search.source, search.query, search.matched) == (KbSource.MENTION, "how do I reset 2FA?", True)
    assert search.results[0] == "two-factor-authentication"


async def test_a_top_level_message_in_a_help_channel_gets_an_answer(kb_bot):
    event = await ask(kb_bot, "I was charged twice and want my money back")
    answer = await answer_to(kb_bot, event)
    assert "Ask for a refund" in texts(answer["blocks"])
    [search] = await searches(kb_bot)
    assert (search.source, search.channel_id, search.message_ts) == (KbSource.HELP_CHANNEL, HELP_CHANNEL, event["ts"])


async def test_a_mention_in_a_help_channel_is_answered_once(kb_bot):
    event = await ask(kb_bot, "<@U0BOT> my card keeps getting declined", mention=True, also_message=True)
    await answer_to(kb_bot, event)
    await settle(kb_bot)
    assert len(kb_bot.slack.calls_to("chat.postMessage")) == 1
    assert len(await searches(kb_bot)) == 1


async def test_other_messages_get_no_answer(kb_bot):
    top = await ask(kb_bot, "I forgot my password")
    await answer_to(kb_bot, top)
    await ask(kb_bot, "thanks, that worked", thread_ts=top["ts"])      # a reply in a thread
    await ask(kb_bot, "I forgot my password", channel=GENERAL)         # not a help channel
    await ask(kb_bot, "thanks!")                                        # nothing to look up
    await settle(kb_bot)
    assert len(kb_bot.slack.calls_to("chat.postMessage")) == 1 and len(await searches(kb_bot)) == 1


async def test_nothing_matches_well_says_so_and_offers_a_ticket(kb_bot):
    event = await ask(kb_bot, "how do I export invoices to quickbooks")
    answer = await answer_to(kb_bot, event)
    assert "could not find an article" in texts(answer["blocks"])
    assert set(buttons(answer["blocks"])) == {"Open a ticket"}
    [search] = await searches(kb_bot)
    assert search.matched is False


async def test_an_empty_mention_explains_how_to_ask(kb_bot):
    event = await ask(kb_bot, "<@U0BOT>", channel=GENERAL, mention=True)
    answer = await answer_to(kb_bot, event)
    assert "Ask me a question after the mention" in answer["text"]
    assert await searches(kb_bot) == []


async def test_a_mention_in_a_ticket_thread_lists_articles_and_the_reply_stays_on_the_timeline(kb_bot):
    ticket = await create_ticket(kb_bot, "VPN drops")
    event = await ask(kb_bot, "<@U0BOT> reset 2fa", channel=ticket.channel_id, user="U0AGENT",
                      thread_ts=ticket.message_ts, mention=True, also_message=True)
    answer = await answer_to(kb_bot, event)
    assert answer["thread_ts"] == ticket.message_ts
    assert "two-factor" in texts(answer["blocks"]) and set(buttons(answer["blocks"])) <= {"Show article"}


    async def replied() -> bool:
        async with kb_bot.runtime.sessions() as db:
            stmt = select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
            return TicketEventKind.REPLIED in list((await db.execute(stmt)).scalars())

    await until(replied, what="the reply on the ticket's timeline")


async def test_user_text_and_article_links(database_url, fake_slack, clock, config, kb_folder):
    bot = await start_bot(database_url, fake_slack, clock, with_knowledge_base(
        config, kb_folder, base_url="https://help.example.com/articles"))
    try:
        reply = await bot.sender.slash("/kb", "<!channel> refund, money back", user_id=ASKER, channel_id=GENERAL,
                                       response_url=bot.slack.response_url("kb"))
        assert reply.status == 200
        [answer] = await bot.slack.wait_for_response("kb")
        assert answer["response_type"] == "ephemeral"
        shown = "\n".join(mrkdwn_texts(answer["blocks"]))
        assert "&lt;!channel&gt; refund, money back" in shown and "<!channel>" not in shown
        assert "<https://help.example.com/articles/refund-request|Ask for a refund>" in shown
        assert "Show article" not in buttons(answer["blocks"])
    finally:
        await stop_bot(bot)


async def test_kb_command_answers_privately(kb_bot):
    await kb_bot.sender.slash("/kb", "", user_id=ASKER, response_url=kb_bot.slack.response_url("empty"))
    [usage] = await kb_bot.slack.wait_for_response("empty")
    assert "Type what you are looking for" in usage["text"]
    await kb_bot.sender.slash("/kb", "pages are slow", user_id=ASKER, response_url=kb_bot.slack.response_url("kb"))
    [answer] = await kb_bot.slack.wait_for_response("kb")
    assert "Pages are slow or time out" in texts(answer["blocks"])
    [search] = await searches(kb_bot)
    assert search.source == KbSource.COMMAND and kb_bot.slack.calls_to("chat.postMessage") == []


# -- buttons under an answer --------------------------------------------------------


async def test_solved_by_the_asker_records_a_deflection_once(kb_bot):
    event = await ask(kb_bot, "I forgot my password")
    answer = await answer_to(kb_bot, event)
    await click_in_message(kb_bot, answer, "Solved", answer="solved")
    [replaced] = await kb_bot.slack.wait_for_response("solved")
    assert replaced["replace_original"] is True
    assert "<@U0ASKER> marked this solved" in texts(replaced["blocks"])
    assert set(buttons(replaced["blocks"])) == {"Show article"}  # the articles stay readable
    [deflection] = await deflections(kb_bot)
    assert (deflection.article_slug, deflection.category) == ("password-reset", "Login problems")

    await click_in_message(kb_bot, answer, "Solved", answer="again")
    [note] = await kb_bot.slack.wait_for_response("again")
    assert "already marked as solved" in note["text"] and note["response_type"] == "ephemeral"
    assert len(await deflections(kb_bot)) == 1 and await ticket_count(kb_bot) == 0


async def test_only_the_asker_can_mark_it_solved(kb_bot):
    event = await ask(kb_bot, "I forgot my password")
    answer = await answer_to(kb_bot, event)
    await click_in_message(kb_bot, answer, "Solved", user_id="U0BYSTANDER", answer="other")
    [note] = await kb_bot.slack.wait_for_response("other")
    assert "Only <@U0ASKER>" in note["text"]
    assert await deflections(kb_bot) == []


async def test_open_a_ticket_opens_the_prefilled_form_linked_to_the_question(kb_bot):
    event = await ask(kb_bot, "how do I export invoices to quickbooks")
    answer = await answer_to(kb_bot, event)
    await click_in_message(kb_bot, answer, "Open a ticket")
    await kb_bot.slack.wait_for("views.open")
    view = kb_bot.slack.latest_view()
    assert view["callback_id"] == TicketView.NEW_TICKET
    summary = next(b for b in view["blocks"] if b.get("label", {}).get("text") == "Summary")
    assert summary["element"]["initial_value"] == "how do I export invoices to quickbooks"
    assert f"<#{HELP_CHANNEL}>" in texts(view["blocks"])  # "From a message by … in #…"
    reply = await submit(kb_bot, view, {"Category": "General question", "Priority": "P3"}, user_id=ASKER)
    assert reply.status == 200 and not reply.body
    await kb_bot.slack.wait_for("chat.postMessage", count=3)  # the answer, the card, the note under the question
    await kb_bot.runtime.drain()
    async with kb_bot.runtime.sessions() as db:
        ticket = (await db.execute(select(Ticket))).scalar_one()
    assert ticket.source_permalink and ticket.reporter_id == ASKER
    assert any("was opened from this message" in m["text"] for m in kb_bot.slack.thread(HELP_CHANNEL, event["ts"]))


async def test_show_article_posts_it_privately(kb_bot):
    event = await ask(kb_bot, "the dashboard takes forever to load")
    answer = await answer_to(kb_bot, event)
    await click_in_message(kb_bot, answer, "Show article", answer="article")
    [shown] = await kb_bot.slack.wait_for_response("article")
    assert shown["response_type"] == "ephemeral" and shown["replace_original"] is False
    assert shown["blocks"][0]["text"]["text"] == "Pages are slow or time out"
    body = "\n".join(mrkdwn_texts(shown["blocks"]))
    assert "*Private window*" in body and "• " not in body.split("\n")[0]


async def test_forged_button_values_change_nothing(kb_bot):
    event = await ask(kb_bot, "I forgot my password")
    answer = await answer_to(kb_bot, event)
    for value in ("not-a-number", "999999", ""):
        await click_in_message(kb_bot, answer, "Solved", value=value, answer=f"forged{value}")
        [note] = await kb_bot.slack.wait_for_response(f"forged{value}")
        assert note["response_type"] == "ephemeral" and ":warning:" in note["text"]
    await click_in_message(kb_bot, answer, "Show article", value="1:../../etc/passwd", answer="path")
    [note] = await kb_bot.slack.wait_for_response("path")
    assert "no longer in the knowledge base" in note["text"]
    assert await deflections(kb_bot) == []
