"""The Slack entry points of escalation: the command, the card button, the modal."""

from __future__ import annotations

from workflows.policy.desk import Tier
from models.ticket_queries import get_ticket
from workflows.access.authority import Operation
from workflows.escalation.messages import EscalateForm, build_escalate_modal
from workflows.block_text import escape
from workflows.deps import Deps
from workflows.escalation.record import escalate_ticket
from workflows.escalation.commands import parse_escalate_command
from workflows.outbox.enqueue import send_post
from workflows.access.guard import authorize_ticket_action
from workflows.access.roles import roles_of
from workflows.tickets.locks import TicketGone


def _done(number: int, tier: Tier) -> str:
    return f"Escalated #{number} to *{escape(tier.name)}*; the request is in <#{tier.channel}>."


async def answer_escalate_command(*, deps: Deps, team_id: str, user_id: str, text: str, trigger_id: str) -> str | None:
    """Escalate from `/escalate #N reason`, or open the modal for a bare `/escalate`."""
    command = parse_escalate_command(text)
    if command is None:  # direct: the trigger_id expires 3 s after the click
        await deps.slack.views_open(trigger_id=trigger_id, view=build_escalate_modal())
        return None
    facts = await escalate_ticket(deps=deps, team_id=team_id, actor_id=user_id, number=command.number,
                                  reason=command.reason, impact=command.impact)
    return _done(facts.ticket.number, facts.to_tier)


async def open_escalate_modal(*, deps: Deps, trigger_id: str, ticket_id: int, number: int | None,
                              team_id: str | None = None, actor_id: str | None = None) -> None:
    """The card's Escalate button: the reason modal, for someone who may escalate the ticket."""
    if actor_id is not None:
        actor = await roles_of(deps=deps, user_id=actor_id)
        async with deps.sessions.begin() as db:
            ticket = await get_ticket(db, ticket_id)
            if ticket is None or ticket.team_id != team_id:
                raise TicketGone()
            to_tier = deps.config.next_tier(ticket.category, ticket.tier)
            await authorize_ticket_action(db, deps=deps, actor=actor, operation=Operation.ESCALATE_TICKET,
                                          ticket=ticket, to_tier=to_tier.id if to_tier else None)
    # direct: the trigger_id expires 3 s after the click
    await deps.slack.views_open(trigger_id=trigger_id, view=build_escalate_modal(ticket_id=ticket_id, number=number))


async def submit_escalate_form(*, deps: Deps, team_id: str, user_id: str, form: EscalateForm) -> None:
    facts = await escalate_ticket(deps=deps, team_id=team_id, actor_id=user_id, ticket_id=form.ticket_id,
                                  number=form.number, reason=form.reason, impact=form.impact)
    await send_post(deps, channel=user_id, text=_done(facts.ticket.number, facts.to_tier))  # a DM, owed
