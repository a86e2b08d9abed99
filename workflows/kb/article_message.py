"""One knowledge-base article in Slack: as an ephemeral message ("Show article" under an
answer) and as a pushed modal ("Show article" above the /ticket form). Pure builders.

The article's Markdown becomes Slack mrkdwn (:func:`markdown_to_mrkdwn`): headings and
``**bold**`` become bold, ``[text](https://…)`` a link, list dashes bullets. The text
is escaped first, so an article cannot mention ``<!channel>``. A long article is cut
into sections of at most 3,000 characters, and after :data:`MESSAGE_SECTIONS` sections
(:data:`MODAL_SECTIONS` in a modal) the rest is left out with a note saying so.
"""

from __future__ import annotations

import re
from typing import Any

from workflows.kb.ids import KbView
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
)

__all__ = [
    "article_line", "article_text_chunks", "article_url", "build_kb_article_message", "build_kb_article_modal",
    "markdown_to_mrkdwn",
]

MESSAGE_SECTIONS = 8
MODAL_SECTIONS = 12
CHUNK_MAX = SECTION_TEXT_MAX - 100

_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s|]+)\)")
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)


def article_url(base_url: str | None, slug: str) -> str | None:
    """Where an article is published: ``base_url`` + slug, or None (Slack shows it)."""
    return f"{base_url}{slug}" if base_url else None


def markdown_to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn (escaped first; see the module docstring)."""
    text = escape(markdown)
    text = _IMAGE.sub(lambda m: f"<{m.group(2)}|{m.group(1) or 'image'}>"
                      if m.group(2).startswith(("http://", "https://")) else m.group(1), text)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _BOLD.sub(r"*\2*", text)
    text = _HEADING.sub(lambda m: f"*{m.group(1).strip('*')}*", text)
    return _BULLET.sub(lambda m: f"{m.group(1)}• ", text)


def article_text_chunks(markdown: str, limit: int = CHUNK_MAX) -> list[str]:
    """The article as mrkdwn pieces of at most ``limit`` characters, cut between paragraphs."""
    chunks: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", markdown_to_mrkdwn(markdown).strip()):
        while len(paragraph) > limit:  # one huge paragraph: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        joined = f"{current}\n\n{paragraph}" if current else paragraph
        if len(joined) > limit:
            chunks.append(current)
            current = paragraph
        else:
            current = joined
    if current:
        chunks.append(current)
    return chunks or [" "]


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
