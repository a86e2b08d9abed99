"""Submission of the escalate modal: field errors, or the ticket moves one tier up."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.escalation.ids import EscalationView
from workflows.escalation.messages import parse_escalate_form
from workflows.escalation.flow import submit_escalate_form


async def handle_escalate_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    form, errors = parse_escalate_form(view)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await submit_escalate_form(deps=deps_of(context), team_id=team_of(body), user_id=body["user"]["id"], form=form)


def register(app: AsyncApp) -> None:
    app.view(str(EscalationView.ESCALATE))(answers_errors(handle_escalate_submission))
