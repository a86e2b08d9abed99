"""Reaction intake: ``intake.reaction`` (say :ticket:) on a message opens a ticket from it.

    opened = await open_ticket_from_reaction(deps=deps, team=EventTeam(home="T1", seen={"T1"}),
                                             channel_id="C0HELP", ts="1700000000.000100",
                                             reaction="ticket", user_id="U0AGENT")

The message is read from Slack (the event names only its channel and ts); the ticket is
opened by ``workflows.tickets.from_message`` (one per message, however many reactions,
redeliveries or replicas). Ignored: other emoji, messages of the bot itself, direct
messages, and an event from another Slack team (a Slack Connect guest) anywhere but in a
customer's channel (``workflows/intake/teams.py``).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from workflows.deps import Deps
from workflows.intake.teams import EventTeam, accepts_team
from workflows.slack_reads import read_message
from workflows.slack_text import COUNTED_SUBTYPES
from workflows.tickets.from_message import MessageTicket, SourceMessage, open_ticket_from_message

log = logging.getLogger(__name__)

__all__ = ["open_ticket_from_reaction"]


async def open_ticket_from_reaction(*, deps: Deps, team: EventTeam, channel_id: str, ts: str, reaction: str,
                                    user_id: str, bot_user_id: str | None = None) -> MessageTicket | None:
    """The message's ticket (None when the reaction is not the intake emoji, or the
    message is not one to open a ticket from)."""
    wanted = deps.config.intake.reaction
    if wanted is None or reaction.split("::")[0] != wanted or not channel_id.startswith(("C", "G")):
        return None
    if not accepts_team(deps.config, channel_id, team):
        log.info("reaction in %s from another Slack team (%s): not a customer channel, ignored", channel_id,
                 ", ".join(sorted(team.seen)))
        return None
    try:
        message = await read_message(deps.slack, channel_id, ts)
    except SlackApiError as error:
        log.warning("the %s reaction on %s/%s: the message could not be read (%s)", reaction, channel_id, ts,
                    error.response.get("error"))
        return None
    if message is None or message.get("subtype") not in COUNTED_SUBTYPES:
        return None
    author = message.get("user") if isinstance(message.get("user"), str) else None
    if bot_user_id and author == bot_user_id:
        return None  # the bot's own cards and notes are not tickets
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    parent = message.get("thread_ts")
    source = SourceMessage(channel_id=channel_id, ts=ts, user_id=author or user_id, text=text,
                           top_level=not parent or parent == ts)
    return await open_ticket_from_message(deps=deps, team_id=team.home, message=source, opened_by=user_id,
                                          via="reaction")
