"""App Home: a queue's Next / Previous page buttons republish the tab at that page."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.home.ids import HomeAction
from workflows.home.messages import parse_page_value
from workflows.home.publish import publish_home


async def handle_home_page_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    user_id = str((body.get("user") or {}).get("id") or "")
    page = parse_page_value(action.get("value"))
    if not user_id:
        return
    # An unreadable value (a forged click) shows the first pages: the tab is read-only.
    await publish_home(deps=deps_of(context), team_id=team_of(body), user_id=user_id, page=page)


def register(app: AsyncApp) -> None:
    for action_id in (HomeAction.QUEUE_PREVIOUS, HomeAction.QUEUE_NEXT):
        app.action(action_id)(answers_errors(handle_home_page_button))
