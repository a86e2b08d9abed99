"""Knowledge-base answers: the reply to a question (thread or ``/kb``), the articles above
the /ticket form, and the thank-you that replaces the form. Pure builders.

An answer lists up to three articles (title, linked when ``base_url`` is set, and a
one-line excerpt; without a link a "Show article" button shows the article in Slack),
then "Solved" and "Open a ticket". When nothing matches well it says so and offers
"Open a ticket" only. Once solved the buttons give way to a line naming who solved it.
Button values carry the search id (``kb_searches.id``), and ``<id>:<slug>`` for an article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from workflows.kb.ids import KbAction, KbBlock, KbView
from models.knowledge_base import KbArticle
from workflows.kb.article_message import article_line, article_url
from workflows.block_text import MODAL_TITLE_MAX, cap, escape, mrkdwn, plain, user

__all__ = [
    "article_value", "build_kb_answer_message", "build_kb_suggestion_blocks", "build_kb_thanks_modal",
    "kb_answer_text", "parse_article_value", "parse_search_value",
]

NO_MATCH = "I could not find an article that answers this."
ASK_A_PERSON = "Someone from the support team can help: open a ticket and they will answer in its thread."


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
