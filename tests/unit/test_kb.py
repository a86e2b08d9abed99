"""The knowledge base's pure parts: config, article files, Block Kit, drafts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from workflows.kb.ids import KbAction, KbBlock
from workflows.tickets.ids import TicketAction, TicketBlock
from models.knowledge_base import KbArticle
from models.tickets import Ticket
from tests.fakes.slack_views import validate_message_blocks, validate_view
from tests.unit.test_config import CONTRACT_EXAMPLE
from workflows.kb.messages import (
    article_text_chunks,
    build_kb_answer_message,
    build_kb_article_message,
    build_kb_article_modal,
    build_kb_suggestion_blocks,
    build_kb_thanks_modal,
    markdown_to_mrkdwn,
    parse_article_value,
    parse_search_value,
)
from workflows.tickets.messages.resolve_form import build_resolve_modal, parse_resolve_form
from workflows.kb.drafts import draft_filename, draft_markdown
from workflows.kb.files import excerpt_of, parse_article, slug_for
from workflows.kb.questions import words_needed


def article(slug: str = "password-reset", **values: object) -> KbArticle:
    fields: dict[str, object] = {"slug": slug, "title": "Reset a <forgotten> password", "category": "Login problems",
                                 "tags": "password,reset", "excerpt": "Ask for a reset link & wait.",
                                 "body": "## Steps\n\n1. Open **Forgot password?**\n- one\n- two", "path": f"{slug}.md"}
    fields.update(values)
    return KbArticle(**fields)


# -- config ---------------------------------------------------------------------------


def test_knowledge_base_section_defaults_and_checks():
    data = yaml.safe_load(CONTRACT_EXAMPLE)
    assert parse_config(data).knowledge_base is None
    data["knowledge_base"] = {}
    kb = parse_config(data).knowledge_base
    assert (kb.path, kb.help_channels, kb.max_results, kb.base_url) == ("kb/", [], 3, None)
    data["knowledge_base"] = {"base_url": "https://help.example.com/a", "help_channels": ["C0HELP"]}
    assert parse_config(data).knowledge_base.base_url == "https://help.example.com/a/"
    data["knowledge_base"] = {"path": "", "help_channels": ["#help"], "max_results": 0, "base_url": "help.example.com"}
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    assert error.value.problems == [
        "knowledge_base.path: must not be empty",
        "knowledge_base.help_channels[0]: '#help' is not a Slack channel id (like C0123ABCDE)",
        "knowledge_base.max_results: 0 is not a number of articles between 1 and 5",
        "knowledge_base.base_url: 'help.example.com' is not a web address (like https://help.example.com/articles/)",
    ]


# -- files ----------------------------------------------------------------------------


def test_an_article_file_is_read_with_its_front_matter():
    text = ("---\ntitle: Reset your password\ncategory: Login problems\ntags: [Password, 'reset link', password]\n"
            "---\n# Ignored heading\n\nUse the **Forgot password?** link on [the sign-in page](https://x.example).\n")
    found = parse_article(text, "Login/Reset Password.md")
    assert (found.slug, found.title, found.category) == ("login/reset-password", "Reset your password", "Login problems")
    assert found.tags == ("password", "reset link")
    assert found.excerpt == "Use the Forgot password? link on the sign-in page."
    assert parse_article("# Only a heading\n\nText.", "x.md").title == "Only a heading"


@pytest.mark.parametrize("text, problem", [
    ("---\ntitle: [x\n---\nbody", "front matter is not valid YAML"),
    ("---\n- a list\n---\nbody", "front matter must be key: value lines"),
    ("no title here", "no title"),
    ("---\ntitle: Empty\n---\n", "the article has no text"),
    ("---\ntitle: T\ntags: 3\n---\nbody", "tags must be a list"),
])
def test_unusable_files_say_why(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_article(text, "a.md")


def test_slugs_and_excerpts():
    assert slug_for("Billing/Refund Request.md") == "billing/refund-request"
    assert slug_for("!!!.md") == ""
    assert excerpt_of("## Title\n\n*First* para\nline two.\n\nSecond.") == "First para line two."
    assert len(excerpt_of("word " * 200)) <= 240


# -- Block Kit ----------------------------------------------------------------------


def test_markdown_becomes_escaped_mrkdwn():
    text = markdown_to_mrkdwn("## Steps <!channel>\n\n**Bold** & [docs](https://x.example/a?b=1&c=2)\n- item\n"
                              "[bad](javascript:alert(1))")
    assert text.splitlines()[0] == "*Steps &lt;!channel&gt;*"
    assert "*Bold* &amp; <https://x.example/a?b=1&amp;c=2|docs>" in text
    assert "• item" in text and "<javascript" not in text and "<!channel>" not in text


def test_long_articles_are_cut_into_sections_within_slack_limits():
    long = article(body="\n\n".join(f"Paragraph {i} " + "x" * 900 for i in range(60)))
    chunks = article_text_chunks(long.body)
    assert all(len(c) <= 2900 for c in chunks) and len(chunks) > 8
    message = build_kb_article_message(long, None)
    assert validate_message_blocks(message) == [] and "the rest is in" in message[-2]["elements"][0]["text"]
    assert validate_view(build_kb_article_modal(long, None)) == []
    assert all(len(c) <= 2900 for c in article_text_chunks("y" * 10_000))


def test_answer_blocks_are_valid_and_escaped():
    articles = [article(), article("two-factor", title="2FA")]
    blocks = build_kb_answer_message(articles, search_id=7, base_url=None)
    assert validate_message_blocks(blocks) == []
    assert "Reset a &lt;forgotten&gt; password" in blocks[1]["text"]["text"]
    assert blocks[1]["accessory"]["value"] == "7:password-reset"
    actions = blocks[-1]
    assert actions["block_id"] == KbBlock.KB_ANSWER_ACTIONS
    assert [e["action_id"] for e in actions["elements"]] == [KbAction.KB_SOLVED, KbAction.KB_OPEN_TICKET]
    linked = build_kb_answer_message(articles, search_id=7, base_url="https://h.example/")
    assert "<https://h.example/password-reset|" in linked[1]["text"]["text"] and "accessory" not in linked[1]
    nothing = build_kb_answer_message([], search_id=7, base_url=None)
    assert [e["action_id"] for e in nothing[-1]["elements"]] == [KbAction.KB_OPEN_TICKET]
    solved = build_kb_answer_message(articles, search_id=7, base_url=None, solved_by="U1")
    assert solved[-1]["type"] == "context"
    quiet = build_kb_answer_message(articles, search_id=7, base_url=None, buttons=False)
    assert all(b["type"] != "actions" for b in quiet)


def test_form_suggestions_and_thanks_are_valid():
    blocks = build_kb_suggestion_blocks([article()], search_id=3, base_url=None)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": blocks}
    assert validate_view(view) == [] and blocks[-1]["type"] == "divider"
    assert build_kb_suggestion_blocks([], search_id=3, base_url=None) == []
    assert validate_view(build_kb_thanks_modal(article())) == [] and validate_view(build_kb_thanks_modal(None)) == []


def test_button_values():
    assert parse_search_value("12") == 12 and parse_search_value("x") is None and parse_search_value("9" * 19) is None
    assert parse_search_value("99999999999") is None and parse_search_value("²") is None
    assert parse_search_value("0") is None and parse_search_value(str(2 ** 31 - 1)) == 2 ** 31 - 1
    assert parse_article_value("12:billing/refunds") == (12, "billing/refunds")
    assert parse_article_value("12") is None and parse_article_value("a:b") is None and parse_article_value("1:") is None


def test_words_needed_for_a_good_match():
    assert [words_needed(n) for n in (1, 2, 3, 4, 8, 9, 16)] == [1, 2, 2, 2, 2, 3, 4]


# -- resolve form and drafts -----------------------------------------------------------


def _ticket() -> Ticket:
    return Ticket(id=4, number=12, summary="Invoice PDF: blank <page>", description=None, category="Bug report",
                  priority="P3", customer="ACME", resolution="Download it again.\nSecond line.", root_cause=None,
                  reporter_id="U1", team_id="T1")


def test_the_resolve_form_offers_the_knowledge_base_box_only_with_a_knowledge_base():
    labels = [b["label"]["text"] for b in build_resolve_modal(_ticket())["blocks"] if b["type"] == "input"]
    assert "Knowledge base" not in labels
    modal = build_resolve_modal(_ticket(), knowledge_base=True)
    assert validate_view(modal) == [] and modal["blocks"][-1]["block_id"] == TicketBlock.ADD_TO_KB
    ticked = {TicketBlock.ADD_TO_KB: {TicketAction.ADD_TO_KB: {"type": "checkboxes", "selected_options": [{"value": "draft"}]}},
              TicketBlock.RESOLUTION: {TicketAction.RESOLUTION: {"type": "plain_text_input", "value": "Fixed"}}}
    assert parse_resolve_form(ticked).add_to_kb is True
    ticked[TicketBlock.ADD_TO_KB][TicketAction.ADD_TO_KB]["selected_options"] = []
    assert parse_resolve_form(ticked).add_to_kb is False
    assert parse_resolve_form({}).add_to_kb is False


def test_a_draft_is_an_article_without_the_customer():
    ticket = _ticket()
    assert draft_filename(ticket) == "ticket-12-invoice-pdf-blank-page.md"
    text = draft_markdown(ticket, now=datetime(2026, 11, 26, tzinfo=UTC))
    found = parse_article(text, "x.md")
    assert found.title == "Invoice PDF: blank <page>" and found.category == "Bug report"
    assert found.excerpt == "Download it again." and found.tags == ("invoice", "pdf", "blank", "page")
    assert "ACME" not in text and "## Solution\n\nDownload it again.\nSecond line." in text
    assert "## Why it happens" not in text
