"""Questions to the knowledge base: search, record the search, and answer.

    answer = await ask_knowledge_base(deps=deps, asked=Question(team_id="T1", user_id="U1",
                                      source=KbSource.COMMAND, text="how do I reset 2FA?"))
    answer.articles      # good matches, best first (at most knowledge_base.max_results)

A question becomes the words it is searched for (``models.kb_search.query_terms``);
each article found contains some of them. An article is a *good match* when it holds
enough of the words (:func:`words_needed`: all of one or two words, two of up to eight,
a quarter of a longer message); only good matches are offered. The search is recorded
(``kb_searches``) with its best score (the share of the words the best article holds)
and whether anything matched: the questions without a match are the knowledge base's
gaps (``/ticket stats``, the weekly report).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.kb_queries import articles_by_id, record_search
from models.kb_search import query_terms, search_index
from models.knowledge_base import QUERY_MAX, KbArticle, KbSource
from workflows.block_text import cap
from workflows.deps import Deps

__all__ = ["KbAnswer", "KbMatches", "Question", "ask_knowledge_base", "find_articles", "words_needed"]

#: Candidates looked at before the good ones are picked.
CANDIDATES = 10
ID_MAX = 32


def words_needed(terms: int) -> int:
    """How many of a question's ``terms`` words an article must contain to match well."""
    return terms if terms <= 2 else max(2, math.ceil(terms / 4))


@dataclass(frozen=True)
class KbMatches:
    terms: list[str]
    articles: list[KbArticle] = field(default_factory=list)  # good matches, best first
    best_score: float | None = None  # share of the words the best article contains

    @property
    def matched(self) -> bool:
        return bool(self.articles)


async def find_articles(db: AsyncSession, text: str, *, limit: int) -> KbMatches:
    """The articles that answer ``text`` well, best first, at most ``limit``."""
    terms = query_terms(text)
    if not terms:
        return KbMatches(terms)
    hits = await search_index(db, terms, CANDIDATES)
    good = [h for h in hits if h.matched >= words_needed(len(terms))][:limit]
    found = await articles_by_id(db, [h.article_id for h in good])
    best = hits[0].matched / len(terms) if hits else 0.0
    return KbMatches(terms, [found[h.article_id] for h in good if h.article_id in found], round(best, 4))


@dataclass(frozen=True)
class Question:
    """Who asked what, where. ``channel_id``/``message_ts``: the question's message, when
    it is one; the question is then answered once (a mention is also a message)."""

    team_id: str
    user_id: str | None
    source: KbSource
    text: str
    channel_id: str | None = None
    message_ts: str | None = None

    @property
    def source_key(self) -> str | None:
        if not (self.channel_id and self.message_ts):
            return None
        return f"{_id(self.channel_id)}:{_id(self.message_ts)}"


@dataclass(frozen=True)
class KbAnswer:
    search_id: int
    question: Question
    articles: list[KbArticle]
    terms: list[str]

    @property
    def matched(self) -> bool:
        return bool(self.articles)


def _id(value: str | None) -> str | None:
    """A Slack id or ts as stored (a forged one longer than the column is cut)."""
    return None if value is None else value.replace("\x00", "")[:ID_MAX]


def result_limit(config: AppConfig) -> int:
    return config.knowledge_base.max_results if config.knowledge_base else 3


async def ask_knowledge_base(*, deps: Deps, asked: Question, limit: int | None = None) -> KbAnswer | None:
    """Search and record the search; None when this message's question was answered
    already (``Question.source_key``)."""
    text = asked.text.replace("\x00", "")  # Postgres text cannot hold NUL
    async with deps.sessions.begin() as db:
        matches = await find_articles(db, text, limit=limit or result_limit(deps.config))
        search_id = await record_search(db, {
            "team_id": _id(asked.team_id), "user_id": _id(asked.user_id), "source": asked.source,
            "query": cap(text.strip(), QUERY_MAX), "terms": cap(" ".join(matches.terms), QUERY_MAX),
            "best_score": matches.best_score, "matched": matches.matched,
            "results": [a.slug for a in matches.articles], "channel_id": _id(asked.channel_id),
            "message_ts": _id(asked.message_ts), "source_key": asked.source_key, "searched_at": deps.clock(),
        })
    if search_id is None:
        return None
    return KbAnswer(search_id, asked, matches.articles, matches.terms)
