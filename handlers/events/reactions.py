"""Events API ``reaction_added``: the pin emoji on a war-room message adds it to the
incident's timeline (``workflows/incidents/pins.py``); other reactions are ignored."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of
from handlers.errors import answers_errors
from workflows.incidents.pins import capture_pinned_message


async def handle_reaction_added(ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    await ack()
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    if item.get("type") != "message" or not isinstance(item.get("channel"), str) or not isinstance(item.get("ts"), str):
        return
    if not isinstance(event.get("reaction"), str) or not isinstance(event.get("user"), str):
        return
    await capture_pinned_message(deps=deps_of(context), channel_id=item["channel"], ts=item["ts"],
                                 reaction=event["reaction"], user_id=event["user"])


def register(app: AsyncApp) -> None:
    app.event("reaction_added")(answers_errors(handle_reaction_added))
