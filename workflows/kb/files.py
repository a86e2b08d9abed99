"""Knowledge-base articles as files: Markdown with a YAML front matter block.

    ---
    title: Reset your password
    category: Login problems
    tags: [password, forgot password, reset link]
    summary: Request a reset link from the sign-in page; it works for one hour.   # optional
    ---
    If you forgot your password...

Every ``*.md`` under the folder is an article, except ``README.md`` files and anything
under ``drafts/`` (drafts from resolved tickets wait there for a person to review them).
An article's slug is its path in the folder without ``.md``, lower case, each part
reduced to letters, digits and dashes (``billing/Refunds.md`` -> ``billing/refunds``).
``title`` falls back to the first ``# heading``; the excerpt is ``summary``, else the
first paragraph of the body, as plain text. A file that cannot be used is skipped with
one problem line (``billing/x.md: no title``); the others are still indexed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workflows.block_text import cap

__all__ = ["DRAFTS", "ArticleFile", "KbFolder", "excerpt_of", "parse_article", "read_articles", "slug_for"]

DRAFTS = "drafts"
FILE_MAX = 256 * 1024
TITLE_MAX = 300
EXCERPT_MAX = 240
TAGS_MAX = 1000
TAG_MAX = 60
CATEGORY_MAX = 100
SLUG_MAX = 200

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`~>#|]+")


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    title: str
    category: str | None
    tags: tuple[str, ...]
    excerpt: str
    body: str
    path: str  # relative to the folder, with forward slashes
    checksum: str


@dataclass(frozen=True)
class KbFolder:
    """What a folder holds: the usable articles and one line per skipped file."""

    articles: list[ArticleFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def slug_for(relative_path: str) -> str:
    """``Billing/Refund Request.md`` -> ``billing/refund-request``."""
    parts = relative_path.replace("\\", "/").removesuffix(".md").split("/")
    cleaned = [re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts]
    return "/".join(p for p in cleaned if p)[:SLUG_MAX]


def _plain(markdown: str) -> str:
    text = _LINK.sub(r"\1", markdown)
    return " ".join(_MARKUP.sub(" ", text).split())


def excerpt_of(body: str, limit: int = EXCERPT_MAX) -> str:
    """The first paragraph that is not a heading, as one line of plain text."""
    for paragraph in re.split(r"\n\s*\n", body):
        lines = [line for line in paragraph.strip().splitlines() if not _HEADING.match(line)]
        text = _plain(" ".join(lines))
        if text:
            return cap(text, limit)
    return ""


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None:
        raise ValueError("tags must be a list or comma-separated text")
    kept: list[str] = []
    size = 0
    for item in items:
        tag = " ".join(str(item).replace(",", " ").split()).lower()[:TAG_MAX]
        if not tag or tag in kept:
            continue
        if size + len(tag) + 1 > TAGS_MAX:
            break
        kept.append(tag)
        size += len(tag) + 1
    return tuple(kept)


def _text(meta: dict, key: str, limit: int) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{key} must be text")
    return cap(" ".join(str(value).split()), limit) or None


def parse_article(text: str, relative_path: str) -> ArticleFile:
    """One article from its file's text; ValueError says why it cannot be used."""
    meta: object = {}
    body = text
    found = _FRONT_MATTER.match(text)
    if found:
        try:
            meta = yaml.safe_load(found.group(1)) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"front matter is not valid YAML ({' '.join(str(error).split())[:120]})") from None
        body = text[found.end():]
    if not isinstance(meta, dict):
        raise ValueError("front matter must be key: value lines")
    body = body.strip()
    heading = _HEADING.search(body)
    title = _text(meta, "title", TITLE_MAX) or (cap(_plain(heading.group(1)), TITLE_MAX) if heading else None)
    if not title:
        raise ValueError("no title (add `title:` to the front matter)")
    if not body:
        raise ValueError("the article has no text")
    tags = _tags(meta.get("tags"))
    slug = slug_for(relative_path)
    if not slug:
        raise ValueError("the file name has no letters or digits")
    return ArticleFile(
        slug=slug, title=title, category=_text(meta, "category", CATEGORY_MAX),
        tags=tags,
        excerpt=_text(meta, "summary", EXCERPT_MAX) or excerpt_of(body), body=body,
        path=relative_path, checksum=hashlib.sha256(text.encode()).hexdigest(),
    )


def _is_article(path: Path, folder: Path) -> bool:
    relative = path.relative_to(folder)
    return (path.is_file() and relative.parts[0] != DRAFTS and path.name.lower() != "readme.md"
            and not any(part.startswith(".") for part in relative.parts))


def read_articles(folder: Path) -> KbFolder:
    """Every usable article under ``folder`` (sorted by path); FileNotFoundError when
    the folder does not exist."""
    if not folder.is_dir():
        raise FileNotFoundError(str(folder))
    result = KbFolder()
    seen: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*.md") if _is_article(p, folder)):
        relative = path.relative_to(folder).as_posix()
        try:
            if path.stat().st_size > FILE_MAX:
                raise ValueError(f"larger than {FILE_MAX // 1024} KiB")
            article = parse_article(path.read_text(encoding="utf-8"), relative)
            if article.slug in seen:
                raise ValueError(f"same slug {article.slug!r} as {seen[article.slug]}")
        except UnicodeDecodeError:
            result.problems.append(f"{relative}: is not UTF-8 text")
            continue
        except (ValueError, OSError) as error:
            result.problems.append(f"{relative}: {error}")
            continue
        seen[article.slug] = relative
        result.articles.append(article)
    return result
