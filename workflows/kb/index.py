"""Loading the knowledge base: the Markdown files into ``kb_articles`` and the search index.

    report = await reindex_knowledge_base(sessions=sessions, config=config, now=clock())
    report.summary()   # "6 articles from kb/ (6 added, 0 updated, 0 removed)"

Runs at startup (``bot.service.Service.start``) and on ``supportbot kb reindex``. The
files are the source of truth: an article whose file is gone is removed, a changed
file updates its row (by slug), and the whole search index is rebuilt, all in one
transaction, so a search sees either the old or the new knowledge base. Two replicas
starting at once take turns (``models.kb_search.lock_knowledge_base``). A folder that
does not exist leaves the knowledge base as it was (``folder_missing``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workflows.policy.schema import AppConfig
from models.kb_search import lock_knowledge_base, rebuild_search_index
from models.knowledge_base import KbArticle
from workflows.kb.files import ArticleFile, KbFolder, read_articles

__all__ = ["ReindexReport", "kb_folder", "reindex_knowledge_base"]

#: ``(done, total)``: how far a reindex is (``supportbot kb reindex`` draws a bar on a terminal).
Progress = Callable[[int, int], None]

log = logging.getLogger(__name__)


def kb_folder(config: AppConfig) -> Path | None:
    """The configured articles folder (``load_config`` made it relative to app.yaml), or None
    when app.yaml has no ``knowledge_base`` section."""
    kb = config.knowledge_base
    return None if kb is None else Path(kb.path).expanduser()


@dataclass(frozen=True)
class ReindexReport:
    folder: Path | None
    articles: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)
    folder_missing: bool = False

    def summary(self) -> str:
        if self.folder is None:
            return "no knowledge_base section in app.yaml: nothing to index"
        if self.folder_missing:
            return f"knowledge base folder {self.folder} does not exist: nothing indexed"
        return (f"{self.articles} article(s) from {self.folder} ({self.added} added, {self.updated} updated, "
                f"{self.removed} removed)" + (f", {len(self.problems)} file(s) skipped" if self.problems else ""))


def _copy(article: ArticleFile, row: KbArticle, now: datetime) -> None:
    row.title, row.category, row.tags = article.title, article.category, ",".join(article.tags)
    row.excerpt, row.body, row.path = article.excerpt, article.body, article.path
    row.checksum, row.indexed_at = article.checksum, now


async def _store(db: AsyncSession, found: KbFolder, now: datetime, on_progress: Progress) -> tuple[int, int, int]:
    await lock_knowledge_base(db)
    existing = {row.slug: row for row in (await db.execute(select(KbArticle))).scalars()}
    wanted = {a.slug for a in found.articles}
    added = updated = 0
    total = len(found.articles) + 1  # the articles, then the search index
    for done, article in enumerate(found.articles):
        on_progress(done, total)
        row = existing.get(article.slug)
        if row is None:
            row = KbArticle(slug=article.slug)
            _copy(article, row, now)
            db.add(row)
            added += 1
        elif row.checksum != article.checksum or row.path != article.path:
            _copy(article, row, now)
            updated += 1
    gone = [slug for slug in existing if slug not in wanted]
    if gone:
        await db.execute(delete(KbArticle).where(KbArticle.slug.in_(gone)))
    await db.flush()
    on_progress(total - 1, total)
    await rebuild_search_index(db)
    on_progress(total, total)
    return added, updated, len(gone)


def _no_progress(done: int, total: int) -> None:
    return None


async def reindex_knowledge_base(*, sessions: async_sessionmaker[AsyncSession], config: AppConfig,
                                 now: datetime, on_progress: Progress = _no_progress) -> ReindexReport:
    """Read the folder and make the database match it (see the module docstring).
    ``on_progress(done, total)`` follows the articles stored, then the index rebuilt."""
    folder = kb_folder(config)
    if folder is None:
        return ReindexReport(folder=None)
    try:
        found = await asyncio.to_thread(read_articles, folder)
    except FileNotFoundError:
        log.warning("knowledge base folder %s does not exist; the knowledge base is unchanged", folder)
        return ReindexReport(folder=folder, folder_missing=True)
    async with sessions.begin() as db:
        added, updated, removed = await _store(db, found, now, on_progress)
    for problem in found.problems:
        log.warning("knowledge base: skipped %s", problem)
    report = ReindexReport(folder=folder, articles=len(found.articles), added=added, updated=updated,
                           removed=removed, problems=list(found.problems))
    log.info("knowledge base: %s", report.summary())
    return report
