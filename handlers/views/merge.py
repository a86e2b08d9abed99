"""Submission of the merge form (the card's *Merge into…*): field errors, or the ticket
resolved as a duplicate (stored before the acknowledgement, so that whatever refuses
the merge is answered on the form; its messages go out after it)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.errors import SupportbotError
from workflows.outbox.enqueue import deliver_outbox
from workflows.tickets.ids import TicketBlock, TicketView
from workflows.tickets.merge import store_merge_form
from workflows.tickets.messages.merge_form import parse_merge_form, validate_merge_form


async def handle_merge_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    deps = deps_of(context)
    form = parse_merge_form(view)
    errors = validate_merge_form(form)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    try:
        await store_merge_form(deps=deps, team_id=team_of(body), actor_id=body["user"]["id"], form=form)
    except SupportbotError as error:  # unknown, the same, closed, merged meanwhile, not allowed: nothing stored
        await ack(response_action="errors", errors={str(TicketBlock.MERGE_INTO): error.message})
        return
    await ack()
    await deliver_outbox(deps)


def register(app: AsyncApp) -> None:
    app.view(str(TicketView.MERGE_TICKET))(answers_errors(handle_merge_submission))
