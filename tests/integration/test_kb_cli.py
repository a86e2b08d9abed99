"""`supportbot kb reindex` as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from models.knowledge_base import KbArticle
from tests.conftest import REPO_ROOT
from tests.integration.test_cli import _run


def _policy(tmp_path: Path, kb_section: str | None) -> Path:
    text = (REPO_ROOT / "app.yaml").read_text(encoding="utf-8")
    start = text.index("knowledge_base:\n")
    end = text.index("\n\n", start)
    text = text[:start] + (kb_section or "") + text[end:]
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def _slugs(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            return sorted((await db.execute(select(KbArticle.slug))).scalars())
    finally:
        await engine.dispose()


def test_kb_reindex_reads_the_folder_into_the_database(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(REPO_ROOT / "kb", folder)
    config = _policy(tmp_path, f"knowledge_base:\n  path: {folder}\n")
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    result = _run(["kb", "reindex", "--config", str(config)], env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"knowledge base: 6 article(s) from {folder} (6 added, 0 updated, 0 removed)"
    assert "two-factor-authentication" in asyncio.run(_slugs(url))

    (folder / "payment-failed.md").unlink()
    (folder / "broken.md").write_text("---\ntitle: [oops\n---\ntext\n")
    again = _run(["kb", "reindex"], env={"DATABASE_URL": url, "SUPPORTBOT_CONFIG": str(config)})
    assert again.returncode == 1
    assert again.stderr.startswith("skipped broken.md: front matter is not valid YAML")
    assert "(0 added, 0 updated, 1 removed), 1 file(s) skipped" in again.stdout
    assert "payment-failed" not in asyncio.run(_slugs(url))


def test_kb_reindex_needs_the_section_and_the_folder(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    without = _run(["kb", "reindex", "--config", str(_policy(tmp_path, None))], env={"DATABASE_URL": url})
    assert without.returncode == 2 and "no knowledge_base section" in without.stderr
    missing = _policy(tmp_path, f"knowledge_base:\n  path: {tmp_path / 'nowhere'}\n")
    result = _run(["kb", "reindex", "--config", str(missing)], env={"DATABASE_URL": url})
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr
