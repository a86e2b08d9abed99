"""The knowledge base's tables: articles (copied from the Markdown files), searches and
deflections.

- ``kb_articles``: one row per article file, keyed by its ``slug`` (the file's path in
  the folder, without ``.md``). Rewritten by ``workflows.kb.index.reindex_knowledge_base``;
  the files are the source of truth, the rows a copy the search index is built from.
- ``kb_searches``: every question asked (``/kb``, ``/ticket text``, a mention, a
  help-channel message), with the articles offered and whether one matched well. The
  "gaps" metric counts the questions without a good match. ``source_key`` (the
  question's ``channel:ts``) is unique: Slack sends both a ``message`` and an
  ``app_mention`` event for a mention in a help channel, and only one gets an answer.
- ``kb_deflections``: a question the knowledge base answered ("Solved", "This solved
  it"), at most one per search (``search_id`` is unique: a second click changes nothing).

The full-text index itself is not a model: it is dialect-specific (``models.kb_search``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum

__all__ = ["KbArticle", "KbDeflection", "KbSearch", "KbSource"]

SLUG_MAX = 200
QUERY_MAX = 500


class KbSource(enum.StrEnum):
    """Where a question was asked."""

    COMMAND = "command"            # /kb query
    TICKET_MODAL = "ticket_modal"  # /ticket text, before the form
    MENTION = "mention"            # @supportbot question
    HELP_CHANNEL = "help_channel"  # a top-level message in a help channel


class KbArticle(Base):
    """An article as last read from its Markdown file."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated
    excerpt: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(1000))  # relative to the folder
    checksum: Mapped[str] = mapped_column(String(64))
    indexed_at: Mapped[datetime]

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (self.tags or "").split(",") if t]

    def __repr__(self) -> str:
        return f"<KbArticle {self.slug!r}>"


class KbSearch(Base):
    """One question and what the knowledge base offered."""

    __tablename__ = "kb_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[KbSource] = mapped_column(str_enum(KbSource))
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    terms: Mapped[str] = mapped_column(String(QUERY_MAX))  # the words searched for: groups "gaps"
    best_score: Mapped[float | None] = mapped_column(Float)
    matched: Mapped[bool] = mapped_column(Boolean)
    results: Mapped[list[Any]] = mapped_column(JSON, default=list)  # slugs offered, best first
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the question's message
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    searched_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<KbSearch {self.id} {self.source} matched={self.matched}>"


class KbDeflection(Base):
    """A question answered without a ticket (once per search)."""

    __tablename__ = "kb_deflections"
    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("kb_searches.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    article_slug: Mapped[str | None] = mapped_column(String(SLUG_MAX))
    category: Mapped[str | None] = mapped_column(String(100))  # the article's, for per-category stats
    deflected_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<KbDeflection search={self.search_id} {self.article_slug!r}>"
