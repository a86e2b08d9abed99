"""Submission of the Resolve modal: field errors, or ticket #N resolved."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketView
from workflows.tickets.messages.resolve_form import parse_resolve_form, resolve_modal_ticket_id
from workflows.tickets.lifecycle import resolve_ticket, validate_resolution


async def handle_resolve_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    deps = deps_of(context)
    team_id, ticket_id = team_of(body), resolve_modal_ticket_id(view.get("private_metadata"))
    form = parse_resolve_form((view.get("state") or {}).get("values") or {})
    errors = await validate_resolution(deps=deps, team_id=team_id, ticket_id=ticket_id, form=form)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    assert ticket_id is not None, "validate_resolution refuses a modal without a ticket"
    await resolve_ticket(deps=deps, team_id=team_id, ticket_id=ticket_id, actor_id=body["user"]["id"], form=form)


def register(app: AsyncApp) -> None:
    app.view(str(TicketView.RESOLVE_TICKET))(answers_errors(handle_resolve_submission))
