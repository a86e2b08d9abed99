"""Submission of the new-ticket modal: validate, answer field errors or create ticket #N
(stored before the acknowledgement, announced after it). Over the per-person limit the
form stays open with a field error saying when to submit again."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.errors import InvalidState, RateLimited
from workflows.tickets.ids import TicketBlock, TicketView
from workflows.tickets.messages.form import parse_ticket_form, validate_ticket_form
from workflows.tickets.intake import announce_ticket, new_ticket_request, store_ticket

log = logging.getLogger(__name__)

KEPT = "This form stays open as you filled it in: submit it again then."
NOT_STORED = "The ticket could not be saved just now (the database did not answer). Please submit again in a moment."


async def handle_new_ticket_submission(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    deps = deps_of(context)
    form = parse_ticket_form((view.get("state") or {}).get("values") or {})
    errors = validate_ticket_form(form, deps.config)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    request = new_ticket_request(
        team_id=team_of(body), reporter_id=body["user"]["id"], form=form, private_metadata=view.get("private_metadata"),
    )
    # Stored before the modal closes: what Slack saw accepted is never lost.
    try:
        ticket = await store_ticket(deps=deps, request=request)
    except RateLimited as error:  # the form stays open with everything typed in it
        await ack(response_action="errors", errors={str(TicketBlock.SUMMARY): f"{error.message} {KEPT}"})
        return
    except InvalidState as error:  # the message has its ticket already: nothing stored
        await ack(response_action="errors", errors={str(TicketBlock.SUMMARY): error.message})
        return
    except Exception:
        log.exception("a new ticket could not be stored; the modal stays open")
        await ack(response_action="errors", errors={str(TicketBlock.SUMMARY): NOT_STORED})
        return
    await ack()
    await announce_ticket(deps=deps, ticket=ticket, request=request)


def register(app: AsyncApp) -> None:
    app.view(str(TicketView.NEW_TICKET))(answers_errors(handle_new_ticket_submission))
