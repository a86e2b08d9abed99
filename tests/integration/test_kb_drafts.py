"""Resolving a ticket with "Add to knowledge base" ticked drafts an article into the
knowledge base's drafts/ folder and says where in the ticket's thread."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.kb_steps import kb_bot, kb_folder, searches  # noqa: F401  (fixtures)
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import until
from workflows.kb.files import parse_article
from workflows.kb.index import reindex_knowledge_base

AGENT = "U0AGENT"


async def resolve(bot, ticket, values: dict) -> None:
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    opened = len(bot.slack.calls_to("views.open"))
    payload = block_actions_payload("ticket_resolve", str(ticket.id), user_id=AGENT, channel_id=ticket.channel_id,
                                    message=card)
    assert (await bot.sender.interactive(payload)).status == 200
    await bot.slack.wait_for("views.open", count=opened + 1)
    view = bot.slack.latest_view()
    posts = len(bot.slack.calls_to("chat.postMessage"))
    reply = await bot.sender.interactive(view_submission_payload(view, view_state(view, values), user_id=AGENT))
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postMessage", count=posts + 1)
    await bot.runtime.drain()


def thread_texts(bot, ticket) -> list[str]:
    return [m.get("text", "") for m in bot.slack.thread(ticket.channel_id, ticket.message_ts)]


async def thread_note(bot, ticket, words: str) -> str:
    """The thread message containing ``words`` (the draft is written after the summary)."""
    found = await until(lambda: [t for t in thread_texts(bot, ticket) if words in t],
                        what=lambda: f"a message with {words!r} in the thread {thread_texts(bot, ticket)}")
    return found[0]


async def test_ticking_add_to_knowledge_base_writes_a_draft_and_says_where(kb_bot, kb_folder):
    ticket = await create_ticket(kb_bot, "Invoice PDF is blank", category="Bug report", priority="P3",
                                 description="The PDF of invoice 2041 opens as an empty page.")
    await resolve(kb_bot, ticket, {
        "Resolution": "Open the invoice in another browser, or download it again: the first export was cut off.",
        "Root cause": "The export timed out on large invoices.",
        "Knowledge base": ["draft"],
    })
    note = await thread_note(kb_bot, ticket, "knowledge-base article")
    [draft] = (kb_folder / "drafts").iterdir()
    assert draft.name == f"ticket-{ticket.number}-invoice-pdf-is-blank.md"
    text = draft.read_text()
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["title"] == "Invoice PDF is blank" and meta["category"] == "Bug report"
    assert meta["summary"].startswith("Open the invoice in another browser") and meta["draft"] is True
    assert "## Problem\n\nThe PDF of invoice 2041 opens as an empty page." in text
    assert "## Solution\n\nOpen the invoice in another browser" in text
    assert "## Why it happens\n\nThe export timed out on large invoices." in text
    assert "ACME" not in text  # the customer stays out of the draft
    article = parse_article(text, "invoice-pdf-is-blank.md")  # a valid article once moved out of drafts/
    assert article.title == "Invoice PDF is blank"
    assert f"`{kb_folder / 'drafts' / draft.name}`" in note and "supportbot kb reindex" in note

    # Drafts are not searchable until someone moves them into the folder.
    report = await reindex_knowledge_base(sessions=kb_bot.runtime.sessions, config=kb_bot.runtime.config,
                                          now=datetime.now(UTC))
    assert report.articles == 6 and report.problems == []


async def test_without_the_box_nothing_is_drafted(kb_bot, kb_folder):
    ticket = await create_ticket(kb_bot, "Cannot log in")
    await resolve(kb_bot, ticket, {"Resolution": "Reset the password"})
    await kb_bot.runtime.drain()  # every listener has finished
    assert not (kb_folder / "drafts").exists()
    assert not any("knowledge-base article" in t for t in thread_texts(kb_bot, ticket))


async def test_a_second_draft_of_the_same_ticket_does_not_overwrite_the_first(kb_bot, kb_folder):
    ticket = await create_ticket(kb_bot, "Cannot log in")
    await resolve(kb_bot, ticket, {"Resolution": "Reset the password", "Knowledge base": ["draft"]})
    await thread_note(kb_bot, ticket, "knowledge-base article")
    reopen = block_actions_payload("ticket_reopen", str(ticket.id), user_id=AGENT, channel_id=ticket.channel_id,
                                   message=kb_bot.slack.message(ticket.channel_id, ticket.message_ts))
    posts = len(kb_bot.slack.calls_to("chat.postMessage"))
    assert (await kb_bot.sender.interactive(reopen)).status == 200
    await kb_bot.slack.wait_for("chat.postMessage", count=posts + 1)
    await resolve(kb_bot, ticket, {"Resolution": "Cleared the SSO session", "Knowledge base": ["draft"]})
    await thread_note(kb_bot, ticket, "-cannot-log-in-2.md")
    names = sorted(p.name for p in (kb_folder / "drafts").iterdir())
    assert names == [f"ticket-{ticket.number}-cannot-log-in-2.md", f"ticket-{ticket.number}-cannot-log-in.md"]
    assert "Cleared the SSO session" in (kb_folder / "drafts" / names[0]).read_text()


async def test_a_draft_that_cannot_be_written_is_reported_in_the_thread(kb_bot, kb_folder):
    (kb_folder / "drafts").write_text("a file where the drafts folder should be")
    ticket = await create_ticket(kb_bot, "Cannot log in")
    await resolve(kb_bot, ticket, {"Resolution": "Reset the password", "Knowledge base": ["draft"]})
    await thread_note(kb_bot, ticket, "could not be written")
    summary = "\n".join(mrkdwn_texts(kb_bot.slack.thread(ticket.channel_id, ticket.message_ts)))
    assert "Reset the password" in summary  # the ticket is resolved all the same
