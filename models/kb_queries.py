"""Portable queries over the knowledge-base tables (``models.knowledge_base``): reading
articles, recording searches and deflections once, and the self-service metrics.

- Deflections of a period: ``kb_deflections`` rows with ``deflected_at`` in
  ``[since, until)``, optionally of one workspace and of articles in some categories.
- Gaps: the questions of a period that found no good match, grouped by the words
  searched for (``terms``, so "Export to CSV?" and "export csv" count together), most
  asked first; each group shows its latest wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_ignore
from models.knowledge_base import KbArticle, KbDeflection, KbSearch

__all__ = [
    "SearchGap", "articles_by_id", "articles_by_slug", "count_deflections", "get_search", "record_deflection",
    "record_search", "search_gaps",
]


async def articles_by_id(db: AsyncSession, ids: Sequence[int]) -> dict[int, KbArticle]:
    if not ids:
        return {}
    rows = await db.execute(select(KbArticle).where(KbArticle.id.in_(list(ids))))
    return {row.id: row for row in rows.scalars()}


async def articles_by_slug(db: AsyncSession, slugs: Sequence[str]) -> list[KbArticle]:
    """The articles of ``slugs`` that still exist, in the order given."""
    if not slugs:
        return []
    rows = await db.execute(select(KbArticle).where(KbArticle.slug.in_(list(slugs))))
    found = {row.slug: row for row in rows.scalars()}
    return [found[s] for s in slugs if s in found]


async def record_search(db: AsyncSession, values: dict[str, Any]) -> int | None:
    """Insert a search; its id, or None when its ``source_key`` was recorded before
    (the same question reached us twice: a mention is also a message)."""
    if values.get("source_key"):
        if not await insert_ignore(db, KbSearch, values):
            return None
        stmt = select(KbSearch.id).where(KbSearch.source_key == values["source_key"])
        return int((await db.execute(stmt)).scalar_one())
    search = KbSearch(**values)
    db.add(search)
    await db.flush()
    return search.id


async def get_search(db: AsyncSession, search_id: int) -> KbSearch | None:
    return await db.get(KbSearch, search_id)


async def record_deflection(db: AsyncSession, values: dict[str, Any]) -> bool:
    """Record that search ``values["search_id"]`` was answered; False if it already was."""
    return await insert_ignore(db, KbDeflection, values)


async def count_deflections(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                            categories: Sequence[str] | None = None) -> int:
    stmt = select(func.count()).select_from(KbDeflection).where(
        KbDeflection.deflected_at >= since, KbDeflection.deflected_at < until)
    if team_id is not None:
        stmt = stmt.where(KbDeflection.team_id == team_id)
    if categories is not None:
        stmt = stmt.where(KbDeflection.category.in_(list(categories)))
    return int((await db.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class SearchGap:
    """A question asked ``count`` times without a good answer (``query``: latest wording)."""

    query: str
    count: int


async def search_gaps(db: AsyncSession, *, since: datetime, until: datetime, team_id: str | None = None,
                      limit: int = 5) -> list[SearchGap]:
    conditions = [KbSearch.searched_at >= since, KbSearch.searched_at < until,
                  KbSearch.matched.is_(False), KbSearch.terms != ""]
    if team_id is not None:
        conditions.append(KbSearch.team_id == team_id)
    count, latest = func.count().label("n"), func.max(KbSearch.id).label("latest")
    groups = (select(KbSearch.terms, count, latest).where(*conditions).group_by(KbSearch.terms)
              .order_by(count.desc(), latest.desc()).limit(limit)).subquery()
    stmt = (select(KbSearch.query, groups.c.n).join(groups, KbSearch.id == groups.c.latest)
            .order_by(groups.c.n.desc(), groups.c.latest.desc()))
    return [SearchGap(query, int(n)) for query, n in await db.execute(stmt)]
