"""The knowledge base's messages (pure builders): answers to a question (thread or
``/kb``), the articles above the /ticket form, the thank-you that replaces the form, and
one whole article.

An answer lists up to three articles (title, linked when ``base_url`` is set, and a
one-line excerpt; without a link a "Show article" button shows the article in Slack),
then "Solved" and "Open a ticket". When nothing matches well it says so and offers
"Open a ticket" only. Once solved the buttons give way to a line naming who solved it.
Button values carry the search id (``kb_searches.id``), and ``<id>:<slug>`` for an article.

A whole article shows as an ephemeral message ("Show article" under an answer) or a
pushed modal ("Show article" above the /ticket form). Its Markdown becomes Slack mrkdwn
(``workflows/kb/mrkdwn.py``, on markdown-it-py's parser), its text escaped, so an article
cannot mention ``<!channel>``. A long article is cut into sections of at most 3,000
characters, between blocks (never inside a code block or a table), and
after :data:`MESSAGE_SECTIONS` sections (:data:`MODAL_SECTIONS` in a modal) the rest is
left out with a note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from models.knowledge_base import KbArticle
from workflows.block_text import (
    HEADER_TEXT_MAX,
    MODAL_TITLE_MAX,
    SECTION_TEXT_MAX,
    cap,
    escape,
    link,
    mrkdwn,
    plain,
    user,
)
from workflows.kb.ids import KbAction, KbBlock, KbView
from workflows.kb.mrkdwn import markdown_blocks, markdown_to_mrkdwn

__all__ = [
    "article_line", "article_text_chunks", "article_url", "article_value", "build_kb_answer_message",
    "build_kb_article_message", "build_kb_article_modal", "build_kb_suggestion_blocks", "build_kb_thanks_modal",
    "kb_answer_text", "markdown_to_mrkdwn", "parse_article_value", "parse_search_value",
]

NO_MATCH = "I could not find an article that answers this."
ASK_A_PERSON = "Someone from the support team can help: open a ticket and they will answer in its thread."
MESSAGE_SECTIONS = 8
MODAL_SECTIONS = 12
CHUNK_MAX = SECTION_TEXT_MAX - 100


def article_value(search_id: int, slug: str) -> str:
    return f"{search_id}:{slug}"


def parse_search_value(value: object) -> int | None:
    """The search id a button carries, or None when the value is not one (ids are
    positive 32-bit integers: ``kb_searches.id``)."""
    raw = str(value or "").strip()
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not 0 < int(raw) < 2 ** 31:
        return None
    return int(raw)


def parse_article_value(value: object) -> tuple[int, str] | None:
    """``(search id, slug)`` from ``"<id>:<slug>"``, or None when the value is not one."""
    search, sep, slug = str(value or "").partition(":")
    search_id = parse_search_value(search)
    if not sep or search_id is None or not slug or len(slug) > 200:
        return None
    return search_id, slug


def _button(text: str, action: KbAction, value: str, *, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": str(action), "value": value}
    if style:
        button["style"] = style
    return button


def _article_section(article: KbArticle, search_id: int, base_url: str | None, show: KbAction) -> dict[str, Any]:
    section: dict[str, Any] = {"type": "section", "text": mrkdwn(article_line(article, base_url))}
    if article_url(base_url, article.slug) is None:
        section["accessory"] = _button("Show article", show, article_value(search_id, article.slug))
    return section


def kb_answer_text(articles: Sequence[KbArticle]) -> str:
    """Notification text of an answer (titles are the team's own words; escaped anyway)."""
    if not articles:
        return f"{NO_MATCH} {ASK_A_PERSON}"
    return "These articles may help: " + "; ".join(escape(cap(a.title, 80)) for a in articles)


def build_kb_answer_message(articles: Sequence[KbArticle], *, search_id: int, base_url: str | None,
                            solved_by: str | None = None, buttons: bool = True) -> list[dict[str, Any]]:
    """The answer to a question. ``solved_by``: the user who marked it solved (no buttons
    then); ``buttons=False``: articles only (an answer inside a ticket's thread)."""
    if articles:
        blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(
            ":books: These articles from the knowledge base may answer it:")}]
        blocks += [_article_section(a, search_id, base_url, KbAction.KB_SHOW_ARTICLE) for a in articles]
    else:
        blocks = [{"type": "section", "text": mrkdwn(f":mag: {NO_MATCH} {ASK_A_PERSON}")}]
    if solved_by:
        blocks.append({"type": "context", "elements": [mrkdwn(
            f":white_check_mark: {user(solved_by)} marked this solved. Thanks!")]})
    elif buttons:
        elements = [_button("Solved", KbAction.KB_SOLVED, str(search_id), style="primary")] if articles else []
        elements.append(_button("Open a ticket", KbAction.KB_OPEN_TICKET, str(search_id)))
        blocks.append({"type": "actions", "block_id": str(KbBlock.KB_ANSWER_ACTIONS), "elements": elements})
    return blocks


def build_kb_suggestion_blocks(articles: Sequence[KbArticle], *, search_id: int,
                               base_url: str | None) -> list[dict[str, Any]]:
    """The articles shown above the /ticket form, each with "This solved it"."""
    if not articles:
        return []
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(
        ":books: *Before you open a ticket:* these articles may already answer it.")}]
    for article in articles:
        value = article_value(search_id, article.slug)
        elements = [_button("This solved it", KbAction.KB_MODAL_SOLVED, value, style="primary")]
        if article_url(base_url, article.slug) is None:
            elements.append(_button("Show article", KbAction.KB_MODAL_SHOW_ARTICLE, value))
        blocks += [{"type": "section", "text": mrkdwn(article_line(article, base_url))},
                   {"type": "actions", "elements": elements}]
    blocks.append({"type": "divider"})
    return blocks


def build_kb_thanks_modal(article: KbArticle | None) -> dict[str, Any]:
    """What the /ticket form turns into after "This solved it": no ticket, a thank-you."""
    which = f" *{escape(cap(article.title, 150))}* solved it." if article else ""
    return {
        "type": "modal",
        "callback_id": str(KbView.KB_THANKS),
        "title": plain("Glad it helped", MODAL_TITLE_MAX),
        "close": plain("Close"),
        "blocks": [
            {"type": "section", "text": mrkdwn(f":white_check_mark: Great, no ticket needed.{which}")},
            {"type": "context", "elements": [mrkdwn("If the problem comes back, type `/ticket` again.")]},
        ],
    }


# --------------------------------------------------------------------------- one article


def article_url(base_url: str | None, slug: str) -> str | None:
    """Where an article is published: ``base_url`` + slug, or None (Slack shows it)."""
    return f"{base_url}{slug}" if base_url else None


def article_text_chunks(markdown: str, limit: int = CHUNK_MAX) -> list[str]:
    """The article as mrkdwn pieces of at most ``limit`` characters, cut between blocks
    (paragraphs, lists, code blocks, tables); a block longer than that is cut hard, a
    code block into code blocks."""
    chunks: list[str] = []
    current = ""
    for paragraph in markdown_blocks(markdown):
        while len(paragraph) > limit:  # one huge block: cut it hard
            if current:
                chunks.append(current)
                current = ""
            head, paragraph = _cut(paragraph, limit)
            chunks.append(head)
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) > limit:
            chunks.append(current)
            current = paragraph
        else:
            current = joined
    if current:
        chunks.append(current)
    return chunks or [" "]


def _cut(block: str, limit: int) -> tuple[str, str]:
    """The first ``limit`` characters of ``block`` and the rest; a code block stays one on
    both sides of the cut."""
    fence = "```"
    if not (block.startswith(fence + "\n") and block.endswith("\n" + fence)):
        return block[:limit], block[limit:]
    code, room = block[4:-4], limit - 8
    return f"{fence}\n{code[:room]}\n{fence}", f"{fence}\n{code[room:]}\n{fence}"


def article_line(article: KbArticle, base_url: str | None) -> str:
    """``*Title*`` (a link when published) and the excerpt, for lists of articles."""
    title = f"*{link(article_url(base_url, article.slug), cap(article.title, 150))}*"
    excerpt = escape(cap(article.excerpt, 240)) if article.excerpt else ""
    return f"{title}\n{excerpt}" if excerpt else title


def _about(article: KbArticle, base_url: str | None) -> dict[str, Any]:
    parts = [f"Category: {escape(article.category)}"] if article.category else []
    url = article_url(base_url, article.slug)
    parts.append(link(url, "Open in the help center") if url else f"Knowledge base: `{escape(article.path)}`")
    return {"type": "context", "elements": [mrkdwn(" · ".join(parts))]}


def _body_blocks(article: KbArticle, sections: int) -> list[dict[str, Any]]:
    chunks = article_text_chunks(article.body)
    blocks = [{"type": "section", "text": mrkdwn(chunk)} for chunk in chunks[:sections]]
    if len(chunks) > sections:
        blocks.append({"type": "context", "elements": [mrkdwn(
            f"_The article goes on; the rest is in `{escape(article.path)}` in the knowledge base._")]})
    return blocks


def build_kb_article_message(article: KbArticle, base_url: str | None) -> list[dict[str, Any]]:
    """The whole article, for an ephemeral message."""
    return [
        {"type": "header", "text": plain(cap(article.title, HEADER_TEXT_MAX), HEADER_TEXT_MAX)},
        *_body_blocks(article, MESSAGE_SECTIONS),
        _about(article, base_url),
    ]


def build_kb_article_modal(article: KbArticle, base_url: str | None) -> dict[str, Any]:
    """The whole article, pushed over the /ticket form ("Back" returns to the form)."""
    return {
        "type": "modal",
        "callback_id": str(KbView.KB_ARTICLE),
        "title": plain("Knowledge base", MODAL_TITLE_MAX),
        "close": plain("Back"),
        "blocks": [
            {"type": "header", "text": plain(cap(article.title, HEADER_TEXT_MAX), HEADER_TEXT_MAX)},
            *_body_blocks(article, MODAL_SECTIONS),
            _about(article, base_url),
        ],
    }
