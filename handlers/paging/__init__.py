"""Page buttons: Acknowledge and Resolve, on every mirror of a page (channel, DMs)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.paging.ids import PageAction
from workflows.paging.actions import acknowledge_page, parse_page_id, resolve_page


def _clicked(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    return channel, container.get("message_ts") or (body.get("message") or {}).get("ts")


async def _page_click(change: Any, ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                      respond: Any) -> None:
    await ack()
    channel_id, message_ts = _clicked(body)
    click = await change(deps=deps_of(context), page_id=parse_page_id(action.get("value")),
                         user_id=body["user"]["id"], channel_id=channel_id, message_ts=message_ts,
                         team_id=team_of(body))
    if click.answer:
        await respond(response_type="ephemeral", replace_original=False, text=click.answer)


async def handle_page_acknowledge_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                         respond: Any) -> None:
    await _page_click(acknowledge_page, ack, body, action, context, respond)


async def handle_page_resolve_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                     respond: Any) -> None:
    await _page_click(resolve_page, ack, body, action, context, respond)


def register(app: AsyncApp) -> None:
    app.action(str(PageAction.PAGE_ACKNOWLEDGE))(answers_errors(handle_page_acknowledge_button))
    app.action(str(PageAction.PAGE_RESOLVE))(answers_errors(handle_page_resolve_button))
