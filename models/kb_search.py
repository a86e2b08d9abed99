"""Full-text search over ``kb_articles``: the one place where SQLite and Postgres differ.

The index is built by the database itself (no external service), ranked and stemmed:

- SQLite: an FTS5 virtual table ``kb_index(title, tags, body)`` with the ``porter``
  tokenizer, its rowid the article's id, ranked by ``bm25()`` with the title weighted
  10, tags (and category) 5, body 1.
- Postgres: a table ``kb_index(article_id, document tsvector)`` with a GIN index; the
  document is ``to_tsvector('english', …)`` of title (weight A), tags (B), category (C)
  and body (D), ranked by ``ts_rank``.

Both are created by migration 0004 for their dialect only and are not ORM models:
:func:`include_name` keeps Alembic's model comparison (and autogenerate) away from
them. :func:`rebuild_search_index` rewrites the index from ``kb_articles``.

Questions are OR-ed words, for recall: :func:`query_terms` keeps the meaningful words
of a question (letters and digits, lower case, without English stop words and chat
filler, at most :data:`MAX_TERMS`), the same list on both databases. Each article found
gets the number of those words it contains (stemmed: "declined" finds "decline"), how
many of them are in its title, tags or category, and the database's rank;
:func:`search_index` orders by words matched (title, tags and category words count
twice), then by rank. Word counts are the same on both databases, ranks are not (and
bm25's IDF says little in a knowledge base of a dozen articles), so callers judge a
"good match" by the words matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import dialect_name

__all__ = [
    "INDEX_TABLE",
    "MAX_TERMS",
    "IndexHit",
    "include_name",
    "is_search_index_table",
    "lock_knowledge_base",
    "query_terms",
    "rebuild_search_index",
    "search_index",
]

INDEX_TABLE = "kb_index"
MAX_TERMS = 16
TERM_MAX = 40
#: Postgres' English stop words (snowball), so SQLite (FTS5 has none) searches the same
#: words, plus the chat filler people put around a question.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can did do does doing don down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such t than that the their theirs them themselves then there these they this those through
to too under until up very was we were what when where which while who whom why will with you your
yours yourself yourselves s would could cant dont didnt doesnt isnt im ive get got also still
hi hello hey thanks thank thx please pls help anyone someone question quick ok okay know need want
""".split())
_WORD = re.compile(r"[^\W_]+")
_LOCK_KEY = 0x5B0_7B_4B  # pg_advisory_xact_lock key of a reindex ("supportbot kb")


def query_terms(question: str) -> list[str]:
    """The words searched for: distinct, in order, lower case, no stop words."""
    terms: list[str] = []
    for word in _WORD.findall(question.lower()):
        if word not in STOP_WORDS and len(word) <= TERM_MAX and word not in terms:
            terms.append(word)
            if len(terms) == MAX_TERMS:
                break
    return terms


def is_search_index_table(name: str | None) -> bool:
    """``kb_index`` and the FTS5 shadow tables SQLite keeps for it (``kb_index_data``…)."""
    return bool(name) and (name == INDEX_TABLE or name.startswith(INDEX_TABLE + "_"))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: leave the search index out of model comparisons."""
    return not (type_ == "table" and is_search_index_table(name))


@dataclass(frozen=True)
class IndexHit:
    """An article that contains ``matched`` of the question's words (``strong`` of them in
    its title, tags or category); ``rank``: the database's own relevance (higher is
    better; only comparable within one search on one database)."""

    article_id: int
    matched: int
    strong: int
    rank: float


async def lock_knowledge_base(db: AsyncSession) -> None:
    """Serialise reindexing (two replicas starting at once) for the caller's transaction;
    call it first, before reading anything.

    Postgres: a transaction-level advisory lock. SQLite: emptying the index (rebuilt later
    in the same transaction) takes the database's write lock, which the other writer
    waits for (a transaction that read first could not upgrade to it)."""
    if dialect_name(db) == "postgresql":
        await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        await db.execute(text(f"DELETE FROM {INDEX_TABLE}"))


async def rebuild_search_index(db: AsyncSession) -> None:
    """Rewrite the whole index from ``kb_articles`` (in the caller's transaction)."""
    await db.execute(text(f"DELETE FROM {INDEX_TABLE}"))
    if dialect_name(db) == "postgresql":
        await db.execute(text(
            f"INSERT INTO {INDEX_TABLE} (article_id, document) SELECT id, "
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', replace(tags, ',', ' ')), 'B') || "
            "setweight(to_tsvector('english', coalesce(category, '')), 'C') || "
            "setweight(to_tsvector('english', body), 'D') FROM kb_articles"))
    else:
        await db.execute(text(
            f"INSERT INTO {INDEX_TABLE} (rowid, title, tags, body) SELECT id, title, "
            "replace(tags, ',', ' ') || ' ' || coalesce(category, ''), body FROM kb_articles"))


def _search_statement(db: AsyncSession, terms: list[str]) -> tuple[Any, dict[str, object]]:
    """One statement for the whole search: per term, the articles containing it anywhere
    (``kind`` 0) and in the title, tags or category (``kind`` 1), then every article
    containing any term with the database's rank (``kind`` 2). One round trip instead of
    one per term and kind: the search runs for every ``/ticket`` with text."""
    parts: list[str] = []
    params: dict[str, object] = {}
    if dialect_name(db) == "postgresql":
        for i, term in enumerate(terms):
            params[f"t{i}"] = term
            query = f"plainto_tsquery('english', :t{i})"
            parts.append(f"SELECT article_id, {i} AS term, 0 AS kind, 0.0 AS rank FROM {INDEX_TABLE} "
                         f"WHERE document @@ {query}")
            parts.append(f"SELECT article_id, {i}, 1, 0.0 FROM {INDEX_TABLE} "
                         f"WHERE ts_filter(document, '{{a,b,c}}') @@ {query}")
        any_term = " || ".join(f"plainto_tsquery('english', :t{i})" for i in range(len(terms)))
        parts.append(f"SELECT article_id, -1, 2, ts_rank(document, {any_term}) FROM {INDEX_TABLE} "
                     f"WHERE document @@ ({any_term})")
    else:
        for i, term in enumerate(terms):
            quoted = f'"{term}"'  # a quoted string: never query syntax
            params[f"m{i}"], params[f"s{i}"] = quoted, "{title tags} : " + quoted
            parts.append(f"SELECT rowid, {i}, 0, 0.0 FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :m{i}")
            parts.append(f"SELECT rowid, {i}, 1, 0.0 FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :s{i}")
        params["q"] = " OR ".join(f'"{t}"' for t in terms)
        parts.append(f"SELECT rowid, -1, 2, -bm25({INDEX_TABLE}, 10.0, 5.0, 1.0) FROM {INDEX_TABLE} "
                     f"WHERE {INDEX_TABLE} MATCH :q")
    return text(" UNION ALL ".join(parts)), params


async def search_index(db: AsyncSession, terms: list[str], limit: int) -> list[IndexHit]:
    """Articles containing any of ``terms``, best first: by words matched (a word in the
    title, tags or category counts twice), then by the database's rank."""
    if not terms:
        return []
    matched: dict[int, int] = {}
    strong: dict[int, int] = {}
    ranks: dict[int, float] = {}
    stmt, params = _search_statement(db, terms)
    for article_id, _term, kind, rank in await db.execute(stmt, params):
        article_id = int(article_id)
        if kind == 0:
            matched[article_id] = matched.get(article_id, 0) + 1
        elif kind == 1:
            strong[article_id] = strong.get(article_id, 0) + 1
        else:
            ranks[article_id] = float(rank)
    hits = [IndexHit(a, n, strong.get(a, 0), ranks.get(a, 0.0)) for a, n in matched.items()]
    hits.sort(key=lambda h: (-(h.matched + h.strong), -h.rank, h.article_id))
    return hits[:limit]
