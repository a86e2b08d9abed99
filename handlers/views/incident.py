"""Submission of the declare-incident modal: field errors (a bad field, a P0/P1 the person
may not declare, the per-person limit), or the incident is declared."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.incidents.ids import IncidentView
from workflows.incidents.messages.form import parse_declare_incident_form
from workflows.incidents.commands import refuse_declare_incident_form, submit_declare_incident_form


async def handle_declare_incident_submission(ack: Any, body: dict[str, Any], view: dict[str, Any],
                                             context: Any) -> None:
    form, errors = parse_declare_incident_form(view)
    if not errors:  # may they declare it now? asked before the form closes
        errors = await refuse_declare_incident_form(deps=deps_of(context), team_id=team_of(body),
                                                    user_id=body["user"]["id"], form=form)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await submit_declare_incident_form(deps=deps_of(context), team_id=team_of(body), user_id=body["user"]["id"],
                                       form=form)


def register(app: AsyncApp) -> None:
    app.view(str(IncidentView.DECLARE_INCIDENT))(answers_errors(handle_declare_incident_submission))
