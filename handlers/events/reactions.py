"""Events API ``reaction_added``: the pin emoji on a war-room message adds it to the
incident's timeline (``workflows/incidents/pins.py``); the intake emoji
(``intake.reaction``) on a message opens a ticket from it (``workflows/intake/reactions.py``);
other reactions are ignored."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, event_team_of
from handlers.errors import answers_errors
from workflows.incidents.pins import capture_pinned_message
from workflows.intake.reactions import open_ticket_from_reaction


async def handle_reaction_added(ack: Any, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    await ack()
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    if item.get("type") != "message" or not isinstance(item.get("channel"), str) or not isinstance(item.get("ts"), str):
        return
    if not isinstance(event.get("reaction"), str) or not isinstance(event.get("user"), str):
        return
    deps = deps_of(context)
    if event["reaction"].split("::")[0] == deps.config.intake.reaction:
        await open_ticket_from_reaction(deps=deps, team=event_team_of(body, event, context), channel_id=item["channel"],
                                        ts=item["ts"], reaction=event["reaction"], user_id=event["user"],
                                        bot_user_id=context.get("bot_user_id"))
        return
    await capture_pinned_message(deps=deps, channel_id=item["channel"], ts=item["ts"],
                                 reaction=event["reaction"], user_id=event["user"])


def register(app: AsyncApp) -> None:
    app.event("reaction_added")(answers_errors(handle_reaction_added))
