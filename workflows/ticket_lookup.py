"""Answers to `/ticket` subcommands that look tickets up: #N, mine, queue, help."""

from __future__ import annotations

from typing import Any

from workflows.deps import Deps
from workflows.ticket_commands import HELP_TEXT, TicketCommand, TicketSubcommand


async def answer_ticket_subcommand(
    *, deps: Deps, team_id: str, user_id: str, channel_id: str | None, command: TicketCommand,
) -> dict[str, Any]:
    """The ephemeral reply (``text`` and ``blocks``) to a `/ticket` subcommand."""
    if command.kind == TicketSubcommand.HELP:
        return {"text": HELP_TEXT}
    raise NotImplementedError(command.kind)
