"""Buttons of the resolution DM (*Confirm fixed*, *Still broken*) and of a closed ticket's
thread (*Open a follow-up ticket*: the new-ticket form, prefilled)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.actions.ticket import clicker_of, ticket_id_of
from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.closing import confirm_fixed, still_broken
from workflows.tickets.follow_up import show_follow_up_form
from workflows.tickets.ids import TicketAction


def _clicked_message(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return (channel if isinstance(channel, str) else None), (ts if isinstance(ts, str) else None)


async def handle_confirm_fixed(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await confirm_fixed(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                        actor_id=clicker_of(body), dm=_clicked_message(body))


async def handle_still_broken(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await still_broken(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                       actor_id=clicker_of(body), dm=_clicked_message(body))


async def handle_open_follow_up(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                                respond: Any) -> None:
    await ack()
    already = await show_follow_up_form(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                                        actor_id=clicker_of(body), channel_id=_clicked_message(body)[0],
                                        trigger_id=body["trigger_id"])
    if already:
        await respond(text=already, response_type="ephemeral", replace_original=False)


def register(app: AsyncApp) -> None:
    app.action(str(TicketAction.CONFIRM_FIXED))(answers_errors(handle_confirm_fixed))
    app.action(str(TicketAction.STILL_BROKEN))(answers_errors(handle_still_broken))
    app.action(str(TicketAction.OPEN_FOLLOW_UP))(answers_errors(handle_open_follow_up))
