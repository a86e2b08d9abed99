"""Answering questions from the knowledge base where they are asked.

- ``/kb query``: :func:`answer_kb_command` returns the ephemeral answer.
- ``/ticket text``: :func:`suggest_articles` returns the blocks shown above the form.
- ``@supportbot question`` (``app_mention``) and a top-level message in one of
  ``knowledge_base.help_channels``: :func:`answer_in_thread` replies in the message's
  thread. :func:`mention_question_of` and :func:`help_question_of` pick the question out
  of the event (or None: not a question for us). A mention in a help channel arrives as
  both events; the question is answered once (``Question.source_key``). Inside a ticket
  card's thread the answer lists articles without "Solved" / "Open a ticket": the
  ticket is already open.

Answers go out after the search is recorded; a Slack failure is logged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from models.kb_search import query_terms
from models.knowledge_base import KbSource
from models.ticket_queries import find_ticket_by_thread
from workflows.kb.messages import (
    build_kb_answer_message,
    build_kb_suggestion_blocks,
    kb_answer_text,
)
from workflows.block_text import cap, escape, mrkdwn
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.kb.questions import Question, ask_knowledge_base
from workflows.outbox.enqueue import send_post
from workflows.slack_text import COUNTED_SUBTYPES, plain_text

__all__ = [
    "ChannelQuestion", "answer_in_thread", "answer_kb_command", "help_question_of", "mention_question_of",
    "suggest_articles",
]

log = logging.getLogger(__name__)

KB_USAGE = "Type what you are looking for after the command, e.g. `/kb reset two-factor authentication`."
MENTION_HINT = ("Ask me a question after the mention, e.g. `@supportbot how do I reset 2FA?`, and I will look "
                "in the knowledge base. To reach the support team, type `/ticket`.")
MODAL_ARTICLES_MAX = 3
CHANNEL_TYPES = frozenset({"channel", "group"})


def _base_url(config: AppConfig) -> str | None:
    kb = config.knowledge_base
    return kb.base_url if kb else None


async def answer_kb_command(*, deps: Deps, team_id: str, user_id: str, channel_id: str | None,
                            text: str) -> dict[str, Any]:
    """The ephemeral answer to ``/kb text`` (``text`` and ``blocks``)."""
    if not text.strip():
        return {"text": KB_USAGE}
    answer = await ask_knowledge_base(deps=deps, asked=Question(
        team_id=team_id, user_id=user_id, source=KbSource.COMMAND, text=plain_text(text), channel_id=channel_id))
    assert answer is not None, "a command has no source message, so it is never a repeat"
    asked = {"type": "context", "elements": [mrkdwn(f"You searched for: _{escape(cap(text.strip(), 200))}_")]}
    blocks = build_kb_answer_message(answer.articles, search_id=answer.search_id, base_url=_base_url(deps.config))
    return {"text": kb_answer_text(answer.articles), "blocks": [asked, *blocks]}


async def suggest_articles(*, deps: Deps, team_id: str, user_id: str, text: str) -> list[dict[str, Any]]:
    """Blocks for the top of the /ticket form: the articles that may answer ``text``
    (none without a knowledge base, without words to search, or if the search fails:
    the form opens either way)."""
    kb = deps.config.knowledge_base
    if kb is None or not query_terms(text):
        return []
    try:
        answer = await ask_knowledge_base(
            deps=deps, limit=min(kb.max_results, MODAL_ARTICLES_MAX),
            asked=Question(team_id=team_id, user_id=user_id, source=KbSource.TICKET_MODAL, text=text))
    except SQLAlchemyError:
        log.exception("knowledge-base search for the ticket form failed; opening the form without articles")
        return []
    assert answer is not None
    return build_kb_suggestion_blocks(answer.articles, search_id=answer.search_id, base_url=kb.base_url)


@dataclass(frozen=True)
class ChannelQuestion:
    """A question in a channel message: answered in the thread of ``thread_ts``."""

    source: KbSource
    channel_id: str
    ts: str
    thread_ts: str
    user_id: str
    text: str


_CHANNEL = re.compile(r"[CG][A-Z0-9_]{1,30}")
_USER = re.compile(r"[UW][A-Z0-9_]{1,30}")
_TS = re.compile(r"\d{1,12}\.\d{1,9}")


def _person_message(event: dict[str, Any], bot_user_id: str | None) -> tuple[str, str, str] | None:
    """(channel, user, ts) of a message a person wrote in a channel; None for anything else."""
    channel, person, ts = (event.get(key) for key in ("channel", "user", "ts"))
    if event.get("bot_id") or not all(isinstance(v, str) for v in (channel, person, ts)):
        return None
    if not (_CHANNEL.fullmatch(channel) and _USER.fullmatch(person) and _TS.fullmatch(ts)):
        return None
    if bot_user_id and person == bot_user_id:
        return None
    return channel, person, ts


def _question_text(event: dict[str, Any], bot_user_id: str | None) -> str:
    """The message as a person reads it, without its mentions of the bot."""
    raw = event.get("text") if isinstance(event.get("text"), str) else ""
    if bot_user_id:
        raw = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", raw)
    return plain_text(raw).strip()


def help_question_of(event: dict[str, Any], *, help_channels: list[str],
                     bot_user_id: str | None) -> ChannelQuestion | None:
    """A person's top-level message in a help channel, or None."""
    subtype = event.get("subtype")
    if event.get("type") != "message" or not isinstance(subtype, (str, type(None))) \
            or subtype not in COUNTED_SUBTYPES - {"thread_broadcast"}:
        return None
    if event.get("channel_type") not in (None, *CHANNEL_TYPES) or event.get("channel") not in help_channels:
        return None
    found = _person_message(event, bot_user_id)
    if found is None or event.get("thread_ts") not in (None, found[2]):
        return None
    text = _question_text(event, bot_user_id)
    if not query_terms(text):  # "thanks!", an emoji: nothing to look up
        return None
    channel_id, user_id, ts = found
    return ChannelQuestion(KbSource.HELP_CHANNEL, channel_id, ts, ts, user_id, text)


def mention_question_of(event: dict[str, Any], *, bot_user_id: str | None) -> ChannelQuestion | None:
    """The question after ``@supportbot`` (its mentions of the bot removed), or None
    for a mention by a bot. The text may be empty (then :func:`answer_in_thread` explains)."""
    found = _person_message(event, bot_user_id)
    if found is None:
        return None
    channel_id, user_id, ts = found
    thread_ts = event.get("thread_ts")
    thread_ts = thread_ts if isinstance(thread_ts, str) and _TS.fullmatch(thread_ts) else ts
    return ChannelQuestion(KbSource.MENTION, channel_id, ts, thread_ts, user_id,
                           _question_text(event, bot_user_id))


async def _post(deps: Deps, asked: ChannelQuestion, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """The answer in the question's thread, owed: a 5xx or a 429 delays it, never loses it."""
    await send_post(deps, channel=asked.channel_id, thread_ts=asked.thread_ts, text=text, blocks=blocks)


async def answer_in_thread(*, deps: Deps, team_id: str, asked: ChannelQuestion) -> None:
    """Reply in the question's thread with the matching articles (see the module docstring)."""
    if not query_terms(asked.text):
        await _post(deps, asked, MENTION_HINT)
        return
    in_ticket = False
    if asked.thread_ts != asked.ts:
        async with deps.sessions() as db:
            in_ticket = await find_ticket_by_thread(db, asked.channel_id, asked.thread_ts) is not None
    answer = await ask_knowledge_base(deps=deps, asked=Question(
        team_id=team_id, user_id=asked.user_id, source=asked.source, text=asked.text,
        channel_id=asked.channel_id, message_ts=asked.ts))
    if answer is None:  # the same message came as a mention and as a help-channel message
        return
    blocks = build_kb_answer_message(answer.articles, search_id=answer.search_id, base_url=_base_url(deps.config),
                                     buttons=not in_ticket)
    await _post(deps, asked, kb_answer_text(answer.articles), blocks)
