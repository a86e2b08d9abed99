"""Submission of the new-ticket modal: validate, answer field errors or create ticket #N."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from handlers.ids import View
from workflows.blocks.ticket_modal import parse_ticket_form, validate_ticket_form
from workflows.ticket_intake import new_ticket_request, open_ticket


async def handle_new_ticket_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    deps = deps_of(context)
    form = parse_ticket_form((view.get("state") or {}).get("values") or {})
    errors = validate_ticket_form(form, deps.config)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    request = new_ticket_request(
        team_id=team_of(body), reporter_id=body["user"]["id"], form=form, private_metadata=view.get("private_metadata"),
    )
    await open_ticket(deps=deps, request=request)


def register(app: AsyncApp) -> None:
    app.view(str(View.NEW_TICKET))(answers_errors(handle_new_ticket_submission))
