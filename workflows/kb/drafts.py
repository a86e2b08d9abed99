"""Drafting a knowledge-base article from a resolved ticket ("Add to knowledge base").

    path = await draft_kb_article(deps=deps, ticket=ticket)   # kb/drafts/ticket-12-cannot-log-in.md

The draft is a Markdown file with front matter (title: the ticket's summary, category,
tags from the summary's words, summary: the resolution's first line) and sections
Problem, Solution and Why it happens. It goes to ``<knowledge_base.path>/drafts/``,
which is never indexed: a person reviews it (customer details out, steps general),
moves it into the folder and runs ``supportbot kb reindex``. The ticket's thread says
where the draft is. An existing file is never overwritten (``-2``, ``-3``… are added).
Writing happens after the ticket is resolved; a failure is said in the thread and does
not undo the resolution. The customer's name is left out of the draft.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from pathlib import Path

import yaml

from models.kb_search import query_terms
from models.tickets import Ticket
from workflows.block_text import cap, escape
from workflows.deps import Deps
from workflows.kb.files import DRAFTS
from workflows.kb.index import kb_folder
from workflows.outbox.enqueue import deliver_outbox, owe_thread_post

__all__ = ["draft_filename", "draft_kb_article", "draft_markdown", "write_draft"]

log = logging.getLogger(__name__)

NAME_MAX = 60


def draft_filename(ticket: Ticket) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", ticket.summary.lower()).strip("-")[:NAME_MAX].rstrip("-")
    return f"ticket-{ticket.number}" + (f"-{words}" if words else "") + ".md"


def _section(title: str, text: str | None) -> str:
    return f"## {title}\n\n{text.strip()}\n" if text and text.strip() else ""


def draft_markdown(ticket: Ticket, *, now: datetime) -> str:
    """The draft article's text (front matter and body)."""
    first_line = next((line.strip() for line in (ticket.resolution or "").splitlines() if line.strip()), "")
    meta = {
        "title": cap(" ".join(ticket.summary.split()), 150),
        "category": ticket.category,
        "tags": query_terms(ticket.summary)[:6],
        "summary": cap(first_line, 200),
        "source": f"ticket #{ticket.number}, resolved {now:%Y-%m-%d}",
        "draft": True,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    note = (f"<!-- Drafted by supportbot from ticket #{ticket.number}. Before publishing: take out anything "
            "about this customer, write the steps for everyone, then move this file out of drafts/ and run "
            "`supportbot kb reindex`. -->\n")
    body = "\n".join(part for part in (
        _section("Problem", ticket.description or ticket.summary),
        _section("Solution", ticket.resolution),
        _section("Why it happens", ticket.root_cause),
    ) if part)
    return f"---\n{front}---\n{note}\n{body}"


def write_draft(folder: Path, ticket: Ticket, *, now: datetime) -> Path:
    """Write the draft into ``folder/drafts/`` under a name not taken yet; its path."""
    drafts = folder / DRAFTS
    drafts.mkdir(parents=True, exist_ok=True)
    name = draft_filename(ticket)
    text = draft_markdown(ticket, now=now)
    for attempt in range(1, 100):
        path = drafts / (name if attempt == 1 else name.replace(".md", f"-{attempt}.md"))
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many drafts named {name} in {drafts}")


async def draft_kb_article(*, deps: Deps, ticket: Ticket) -> Path | None:
    """Write the draft of resolved ``ticket`` and say where in its thread; None when
    there is no knowledge base or the file could not be written."""
    folder = kb_folder(deps.config)
    if folder is None:
        return None
    try:
        path = await asyncio.to_thread(write_draft, folder, ticket, now=deps.clock())
    except OSError as error:
        log.error("ticket #%s: knowledge-base draft not written to %s: %s", ticket.number, folder / DRAFTS, error)
        await _note_in_thread(deps, ticket, f":warning: The knowledge-base draft of #{ticket.number} could "
                                            f"not be written ({escape(error.strerror or type(error).__name__)}).")
        return None
    shown = escape(str(folder / DRAFTS / path.name))
    await _note_in_thread(deps, ticket, (
        f":memo: Drafted a knowledge-base article from #{ticket.number}: `{shown}`. Review it, move it into the "
        f"knowledge base folder and run `supportbot kb reindex` to publish it."))
    return path


async def _note_in_thread(deps: Deps, ticket: Ticket, text: str) -> None:
    async with deps.sessions.begin() as db:
        await owe_thread_post(db, ticket, text=text, now=deps.clock())
    await deliver_outbox(deps)
