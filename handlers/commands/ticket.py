"""`/ticket`: open the new-ticket modal, or answer a subcommand ephemerally (`stats` from the reports)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from handlers.context import deps_of, team_of
from handlers.errors import answers_errors
from workflows.reports.stats_command import answer_stats_command
from workflows.tickets.commands import TicketSubcommand, parse_ticket_command
from workflows.tickets.form import show_new_ticket_modal
from workflows.tickets.lookup import answer_ticket_subcommand
from workflows.tickets.triage import show_triage_modal


async def handle_ticket_command(ack: Any, body: dict[str, Any], command: dict[str, Any], context: Any, respond: Any) -> None:
    await ack()
    deps = deps_of(context)
    parsed = parse_ticket_command(command.get("text") or "")
    if parsed.kind == TicketSubcommand.NEW:
        await show_new_ticket_modal(
            deps=deps, trigger_id=command["trigger_id"], summary=parsed.argument, channel_id=command.get("channel_id"),
            team_id=team_of(command), user_id=command["user_id"],
        )
        return
    if parsed.kind == TicketSubcommand.TRIAGE:
        await show_triage_modal(deps=deps, team_id=team_of(command), actor_id=command["user_id"],
                                trigger_id=command["trigger_id"], number=parsed.number)
        return
    if parsed.kind == TicketSubcommand.STATS:
        reply = await answer_stats_command(sessions=deps.sessions, config=deps.config, clock=deps.clock,
                                           team_id=team_of(command), text=parsed.argument)
    else:
        reply = await answer_ticket_subcommand(
            deps=deps, team_id=team_of(command), user_id=command["user_id"], channel_id=command.get("channel_id"),
            command=parsed,
        )
    await respond(response_type="ephemeral", replace_original=False, **reply)


def register(app: AsyncApp) -> None:
    app.command("/ticket")(answers_errors(handle_ticket_command))
