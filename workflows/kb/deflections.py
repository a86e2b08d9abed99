"""Clicks on knowledge-base answers: "Solved", "This solved it", "Open a ticket",
"Show article".

A deflection is a question answered without a ticket. It is recorded once per search
(``kb_deflections.search_id`` is unique): a second click changes nothing and says so.
Only the person who asked can mark their question solved. "This solved it" above the
/ticket form also turns the form into a thank-you (views.update), so no ticket is
opened. "Show article" shows the whole article privately (a reply through the click's
response_url) or, above the form, in a pushed modal. "Open a ticket" belongs to the
tickets (``workflows.tickets.form.open_ticket_from_answer``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.kb_queries import articles_by_slug, get_search, record_deflection
from models.knowledge_base import KbArticle, KbSearch
from workflows.kb.messages import (
    build_kb_answer_message,
    build_kb_article_message,
    build_kb_article_modal,
    build_kb_thanks_modal,
    kb_answer_text,
)
from workflows.block_text import cap, user
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.ports import Clock
from workflows.errors import NotAllowed, NotFound

__all__ = ["KbClick", "mark_answer_solved", "mark_form_solved", "search_of_team", "show_article",
           "show_article_over_form"]

log = logging.getLogger(__name__)

GONE = "That answer is no longer available; ask again with `/kb` or open a ticket with `/ticket`."


@dataclass(frozen=True)
class KbClick:
    """What a click on an answer does: the answer re-rendered (``message``: text and
    blocks that replace it) and/or a private note (``notice``)."""

    message: dict[str, Any] | None = None
    notice: str | None = None


def _base_url(config: AppConfig) -> str | None:
    return config.knowledge_base.base_url if config.knowledge_base else None


async def search_of_team(db: AsyncSession, team_id: str, search_id: int) -> KbSearch:
    """The search ``search_id`` (a question asked) of ``team_id``; NotFound when it is gone."""
    search = await get_search(db, search_id)
    if search is None or search.team_id != team_id:
        raise NotFound(GONE)
    return search


async def _deflect(sessions: async_sessionmaker[AsyncSession], clock: Clock, *, team_id: str, user_id: str,
                   search_id: int, slug: str | None) -> tuple[bool, list[KbArticle], KbArticle | None]:
    """Record the deflection; (stored now?, the answer's articles, the one that solved it)."""
    async with sessions.begin() as db:
        search = await search_of_team(db, team_id, search_id)
        if search.user_id and search.user_id != user_id:
            raise NotAllowed(f"Only {user(search.user_id)}, who asked, can mark this as solved.")
        articles = await articles_by_slug(db, list(search.results or []))
        solved = next((a for a in articles if a.slug == slug), None) if slug else (articles[0] if articles else None)
        stored = await record_deflection(db, {
            "search_id": search.id, "team_id": team_id, "user_id": user_id,
            "article_slug": solved.slug if solved else slug, "category": solved.category if solved else None,
            "deflected_at": clock(),
        })
    return stored, articles, solved


async def mark_answer_solved(*, deps: Deps, team_id: str, user_id: str, search_id: int) -> KbClick:
    """"Solved" under an answer: record the deflection and show who solved it."""
    stored, articles, _ = await _deflect(deps.sessions, deps.clock, team_id=team_id, user_id=user_id, search_id=search_id, slug=None)
    if not stored:
        return KbClick(notice="This question is already marked as solved.")
    blocks = build_kb_answer_message(articles, search_id=search_id, base_url=_base_url(deps.config), solved_by=user_id)
    return KbClick(message={"text": kb_answer_text(articles), "blocks": blocks})


async def mark_form_solved(*, deps: Deps, team_id: str, user_id: str, search_id: int, slug: str,
                           view_id: str | None) -> None:
    """"This solved it" above the /ticket form: record the deflection, close the form."""
    _, _, solved = await _deflect(deps.sessions, deps.clock, team_id=team_id, user_id=user_id, search_id=search_id, slug=slug)
    if not view_id:
        return
    try:  # direct: the form is open in front of the person now; later it is closed and the update moot
        await deps.slack.views_update(view_id=view_id, view=build_kb_thanks_modal(solved))
    except SlackApiError as error:
        log.warning("could not close the ticket form %s: %s", view_id, error.response.get("error"))


async def _article(sessions: async_sessionmaker[AsyncSession], slug: str) -> KbArticle:
    async with sessions() as db:
        found = await articles_by_slug(db, [slug])
    if not found:
        raise NotFound("That article is no longer in the knowledge base.")
    return found[0]


async def show_article(*, deps: Deps, slug: str) -> dict[str, Any]:
    """The whole article, as a private reply (``text`` and ``blocks``)."""
    article = await _article(deps.sessions, slug)
    return {"text": cap(article.title, 150), "blocks": build_kb_article_message(article, _base_url(deps.config))}


async def show_article_over_form(*, deps: Deps, slug: str, trigger_id: str) -> None:
    """The whole article in a modal pushed over the /ticket form."""
    article = await _article(deps.sessions, slug)
    # direct: the trigger_id expires 3 s after the click
    await deps.slack.views_push(trigger_id=trigger_id, view=build_kb_article_modal(article, _base_url(deps.config)))
