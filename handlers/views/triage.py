"""Submission of the triage form: field errors, or the ticket triaged."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketView
from workflows.tickets.messages.triage_form import parse_triage_form, validate_triage_form
from workflows.tickets.triage import triage_ticket


async def handle_triage_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    deps = deps_of(context)
    form = parse_triage_form(view)
    errors = validate_triage_form(form, deps.config)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await triage_ticket(deps=deps, team_id=team_of(body), actor_id=body["user"]["id"], form=form)


def register(app: AsyncApp) -> None:
    app.view(str(TicketView.TRIAGE_TICKET))(answers_errors(handle_triage_submission))
