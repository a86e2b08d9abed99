"""The new-ticket modal: opened from ``/ticket``, the message shortcut and "Open a ticket".

The form opens first (views.open), inside the trigger_id's 3-second life, whatever the
load. Only then, for ``/ticket text``, the knowledge base is searched; if articles may
answer the question they are added above the form with views.update, passing the
``hash`` from views.open so that a change made to the view meanwhile is not overwritten.
The articles are a nicety: the search and the update are offered to spare time
(``deps.spare_time``, ``workflows.ports.SpareTime``: they start when no Slack request is being answered, within
:data:`SUGGESTION_PATIENCE` seconds), so a flood of ``/ticket`` commands is acknowledged
first; a form that got no spare time stays as it opened (the skip is counted on
``/metrics``).
The input blocks keep their block_id and action_id, so Slack keeps what the person has
already typed. A form that was closed or submitted meanwhile (``not_found``) or changed
(``hash_conflict``) simply gets no articles.

"Open a ticket" under a knowledge-base answer opens the same form, prefilled with the
question (and, for a channel message, linked to it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.tickets.messages.form import (
    ModalOrigin,
    build_new_ticket_modal,
    source_note,
)
from workflows.deps import Deps
from workflows.access.limits import check_ticket_limit
from workflows.access.privacy import is_private_conversation
from workflows.kb.answers import suggest_articles
from workflows.kb.deflections import search_of_team
from workflows.slack_text import summary_from_message

__all__ = ["open_ticket_from_answer", "show_new_ticket_modal"]

log = logging.getLogger(__name__)

GONE_OR_CHANGED = frozenset({"not_found", "hash_conflict"})
#: How long the articles may wait for spare time: later, the person is typing already.
SUGGESTION_PATIENCE = 5.0


async def show_new_ticket_modal(
    *, deps: Deps, trigger_id: str, summary: str = "", description: str = "", channel_id: str | None = None,
    source_channel_id: str | None = None, source_ts: str | None = None, source_user_id: str | None = None,
    team_id: str | None = None, user_id: str | None = None,
) -> None:
    """Open the new-ticket modal at once; with ``team_id`` and ``user_id`` (``/ticket text``)
    then add the knowledge-base articles that may answer ``summary`` above the form
    (``workflows.kb.answers``; see the module docstring).

    With ``team_id`` and ``user_id`` a person over ``limits.tickets_per_minute`` gets
    RateLimited instead of the form. A form for a message (``source_channel_id``) in a
    private conversation says the ticket will be private (``workflows.access.privacy``)."""
    if team_id and user_id:
        await check_ticket_limit(deps=deps, team_id=team_id, user_id=user_id)
    private = bool(source_channel_id) and await is_private_conversation(deps.slack, source_channel_id or "")
    origin = ModalOrigin(channel_id=channel_id, source_channel_id=source_channel_id, source_ts=source_ts,
                         private=private)
    note = source_note(source_channel_id, source_user_id) if source_channel_id else None
    known = deps.config.customer_of_channel(source_channel_id or channel_id)
    channel_customer = known.name if known else None  # a message in a customer's channel is theirs

    def form(articles: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        return build_new_ticket_modal(deps.config, summary=summary, description=description, origin=origin,
                                      source_note=note, intro_blocks=articles, customer=channel_customer)

    opened = await deps.slack.views_open(trigger_id=trigger_id, view=form())  # direct: trigger_id expires in 3 s
    if not (team_id and user_id and summary.strip()):
        return
    view = opened.get("view") or {}
    view_id, view_hash = view.get("id"), view.get("hash")

    async def add_articles() -> None:
        articles = await suggest_articles(deps=deps, team_id=team_id, user_id=user_id, text=summary)
        if articles:
            await _add_articles(deps.slack, view_id=view_id, view_hash=view_hash, view=form(articles))

    if deps.spare_time is None:
        await add_articles()
    elif not deps.spare_time.offer("kb_suggestions", add_articles, patience=SUGGESTION_PATIENCE):
        # counted on /metrics; a line per form would cost the flood more time
        log.debug("ticket form: too much work waits for spare time; the form stays as it opened")


async def open_ticket_from_answer(*, deps: Deps, team_id: str, search_id: int, trigger_id: str) -> None:
    """"Open a ticket" under a knowledge-base answer: the /ticket form, prefilled with the question."""
    async with deps.sessions() as db:
        search = await search_of_team(db, team_id, search_id)
    from_message = bool(search.channel_id and search.message_ts)
    await show_new_ticket_modal(
        deps=deps, trigger_id=trigger_id, summary=summary_from_message(search.query),
        description=search.query if len(search.query) > len(summary_from_message(search.query)) else "",
        channel_id=search.channel_id, source_channel_id=search.channel_id if from_message else None,
        source_ts=search.message_ts if from_message else None,
        source_user_id=search.user_id if from_message else None,
    )


async def _add_articles(slack: AsyncWebClient, *, view_id: str | None, view_hash: str | None, view: dict[str, Any]) -> None:
    """views.update the open form with the articles; never raises (the form is open either way)."""
    if not view_id:
        log.warning("views.open answered without a view id; the ticket form gets no articles")
        return
    try:  # direct: the form is open in front of the person now; once closed the update is moot
        await slack.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        reason = error.response.get("error")
        level = logging.INFO if reason in GONE_OR_CHANGED else logging.WARNING
        log.log(level, "ticket form %s: articles not added (%s)", view_id, reason)
    except (ClientError, asyncio.TimeoutError) as error:
        log.warning("ticket form %s: articles not added, Slack unreachable: %s", view_id,
                    f"{type(error).__name__}: {error}"[:300])
