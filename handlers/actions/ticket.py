"""Buttons on the ticket card (Claim, Triage, Waiting on customer, Resume, Resolve, Merge into…, Reopen),
its Assign menu, and the buttons of the satisfaction survey.

Each listener acks, pulls plain values out of the click and calls one workflow
(``workflows/tickets/lifecycle.py``, ``workflows/tickets/waiting.py``). Errors are answered privately by
``handlers.errors.answers_errors`` (never raised into Bolt after the ack); a
"nothing to do" answer (``TicketChange.notice``) goes back privately through the
click's response_url.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import click_team_of, deps_of, team_of
from handlers.errors import answers_errors
from workflows.tickets.ids import TicketAction
from workflows.tickets.messages.csat import CSAT_ACTION_IDS, parse_rating_value
from workflows.button_values import parse_row_id
from workflows.errors import InvalidRequest
from workflows.tickets.lifecycle import (
    TicketChange,
    claim_ticket,
    rate_ticket,
    reopen_ticket,
    show_resolve_modal,
)
from workflows.tickets.assignment import assign_ticket, parse_assignee
from workflows.tickets.merge import show_merge_modal
from workflows.tickets.triage import show_triage_modal
from workflows.tickets.waiting import resume_ticket, wait_on_customer


def ticket_id_of(action: dict[str, Any]) -> int:
    """The ticket id a card button carries as its value."""
    ticket_id = parse_row_id(action.get("value"))
    if ticket_id is None:
        raise InvalidRequest("That button does not name a ticket; use the buttons on a ticket card.")
    return ticket_id


def clicker_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def _tell(respond: Any, change: TicketChange) -> None:
    if change.notice:
        await respond(text=change.notice, response_type="ephemeral", replace_original=False)


async def handle_claim_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                              respond: Any) -> None:
    await ack()
    change = await claim_ticket(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                                actor_id=clicker_of(body))
    await _tell(respond, change)


async def handle_wait_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                             respond: Any) -> None:
    await ack()
    change = await wait_on_customer(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                                    actor_id=clicker_of(body))
    await _tell(respond, change)


async def handle_resume_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                               respond: Any) -> None:
    await ack()
    change = await resume_ticket(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                                 actor_id=clicker_of(body))
    await _tell(respond, change)


async def handle_resolve_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await show_resolve_modal(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                             trigger_id=body["trigger_id"], actor_id=clicker_of(body))


async def handle_reopen_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await reopen_ticket(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                        actor_id=clicker_of(body))


async def handle_triage_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await show_triage_modal(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                            trigger_id=body["trigger_id"], actor_id=clicker_of(body))


async def handle_merge_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any) -> None:
    await ack()
    await show_merge_modal(deps=deps_of(context), team_id=team_of(body), ticket_id=ticket_id_of(action),
                           trigger_id=body["trigger_id"], actor_id=clicker_of(body))


async def handle_assign_menu(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                             respond: Any) -> None:
    await ack()
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    chosen = action.get("selected_user")
    if not (isinstance(channel_id, str) and isinstance(message_ts, str) and isinstance(chosen, str) and chosen):
        raise InvalidRequest("Pick someone in the Assign menu of a ticket card.")
    change = await assign_ticket(deps=deps_of(context), team_id=team_of(body), actor_id=clicker_of(body),
                                 assignee_id=parse_assignee(chosen), card=(channel_id, message_ts))
    await _tell(respond, change)


async def handle_csat_button(ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any,
                             respond: Any) -> None:
    await ack()
    ticket_id, rating = parse_rating_value(action.get("value"))
    container = body.get("container") or {}
    change = await rate_ticket(
        deps=deps_of(context), team_id=click_team_of(body, context), ticket_id=ticket_id, rating=rating,
        actor_id=clicker_of(body),
        channel_id=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
    )
    await _tell(respond, change)


def register(app: AsyncApp) -> None:
    app.action(str(TicketAction.CLAIM))(answers_errors(handle_claim_button))
    app.action(str(TicketAction.WAIT_ON_CUSTOMER))(answers_errors(handle_wait_button))
    app.action(str(TicketAction.RESUME))(answers_errors(handle_resume_button))
    app.action(str(TicketAction.RESOLVE))(answers_errors(handle_resolve_button))
    app.action(str(TicketAction.REOPEN))(answers_errors(handle_reopen_button))
    app.action(str(TicketAction.TRIAGE))(answers_errors(handle_triage_button))
    app.action(str(TicketAction.ASSIGN))(answers_errors(handle_assign_menu))
    app.action(str(TicketAction.MERGE))(answers_errors(handle_merge_button))
    for action_id in CSAT_ACTION_IDS:
        app.action(str(action_id))(answers_errors(handle_csat_button))
