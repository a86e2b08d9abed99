"""Buttons on knowledge-base answers (a thread reply, a /kb answer) and on the articles
above the /ticket form: Solved, Open a ticket, Show article, This solved it.

Each listener acks, pulls the search id (and slug) out of the button's value and calls
one workflow in ``workflows/kb/deflections.py`` ("Open a ticket": the tickets' form,
``workflows/tickets/form.py``); replies go back privately through the
click's response_url, and a solved answer is replaced in place.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.kb.ids import KbAction
from workflows.kb.messages import parse_article_value, parse_search_value
from workflows.errors import InvalidRequest
from workflows.kb.deflections import (
    KbClick,
    mark_answer_solved,
    mark_form_solved,
    show_article,
    show_article_over_form,
)
from workflows.tickets.form import open_ticket_from_answer

NOT_AN_ANSWER = "That button does not belong to a knowledge-base answer; ask again with `/kb`."


def search_id_of(action: dict[str, Any]) -> int:
    search_id = parse_search_value(action.get("value"))
    if search_id is None:
        raise InvalidRequest(NOT_AN_ANSWER)
    return search_id


def article_of(action: dict[str, Any]) -> tuple[int, str]:
    found = parse_article_value(action.get("value"))
    if found is None:
        raise InvalidRequest(NOT_AN_ANSWER)
    return found


def clicker_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def _tell(respond: Any, click: KbClick) -> None:
    if click.message:
        await respond(replace_original=True, **click.message)
    if click.notice:
        await respond(text=click.notice, response_type="ephemeral", replace_original=False)


async def handle_kb_solved_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                  respond: Any) -> None:
    await ack()
    click = await mark_answer_solved(deps=deps_of(context), team_id=team_of(body), user_id=clicker_of(body),
                                     search_id=search_id_of(action))
    await _tell(respond, click)


async def handle_kb_open_ticket_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await open_ticket_from_answer(deps=deps_of(context), team_id=team_of(body), search_id=search_id_of(action),
                                  trigger_id=str(body.get("trigger_id") or ""))


async def handle_kb_show_article_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                        respond: Any) -> None:
    await ack()
    reply = await show_article(deps=deps_of(context), slug=article_of(action)[1])
    await respond(response_type="ephemeral", replace_original=False, **reply)


async def handle_kb_form_solved_button(ack: Any, body: dict[str, Any], action: dict[str, Any],
                                       context: Any) -> None:
    await ack()
    search_id, slug = article_of(action)
    await mark_form_solved(deps=deps_of(context), team_id=team_of(body), user_id=clicker_of(body),
                           search_id=search_id, slug=slug, view_id=(body.get("view") or {}).get("id"))


async def handle_kb_form_show_article_button(ack: Any, body: dict[str, Any], action: dict[str, Any],
                                             context: Any) -> None:
    await ack()
    await show_article_over_form(deps=deps_of(context), slug=article_of(action)[1],
                                 trigger_id=str(body.get("trigger_id") or ""))


def register(app: AsyncApp) -> None:
    app.action(str(KbAction.KB_SOLVED))(answers_errors(handle_kb_solved_button))
    app.action(str(KbAction.KB_OPEN_TICKET))(answers_errors(handle_kb_open_ticket_button))
    app.action(str(KbAction.KB_SHOW_ARTICLE))(answers_errors(handle_kb_show_article_button))
    app.action(str(KbAction.KB_MODAL_SOLVED))(answers_errors(handle_kb_form_solved_button))
    app.action(str(KbAction.KB_MODAL_SHOW_ARTICLE))(answers_errors(handle_kb_form_show_article_button))
