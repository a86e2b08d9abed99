"""`app_home_opened`: publish the user's App Home tab (the Messages tab is ignored)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.home.publish import publish_home

HOME_TAB = "home"


async def handle_home_opened_event(ack: Any, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    await ack()
    if event.get("tab") != HOME_TAB or not event.get("user"):
        return
    await publish_home(deps=deps_of(context), team_id=team_of(body), user_id=str(event["user"]))


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(answers_errors(handle_home_opened_event))
