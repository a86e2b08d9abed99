"""Slack Connect: events from people of another Slack team.

In a channel shared with another organisation, Slack's events carry the author's team
(``event.user_team``, ``event.team``) and, in the envelope, ``team_id`` (which may be
the team that created the channel) and ``authorizations[0].team_id`` (the workspace the
bot is installed in). The bot works for its own workspace: a ticket opened from such an
event is that workspace's. It accepts an event that involves another team only in a
configured customer channel (``customers[].channels``); everywhere else such an event
opens nothing. Every other check on teams stays as it is (a click must come from the
team of the ticket it names, and so on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.policy.schema import AppConfig

__all__ = ["EventTeam", "accepts_team"]


@dataclass(frozen=True)
class EventTeam:
    """``home``: the bot's workspace; ``seen``: every team the event names; ``author``:
    the author's team when the event says (None: it does not)."""

    home: str
    seen: frozenset[str] = field(default_factory=frozenset)
    author: str | None = None

    @property
    def foreign(self) -> bool:
        """Whether the event involves another team than the bot's."""
        return any(team != self.home for team in self.seen)


def accepts_team(config: AppConfig, channel_id: str, team: EventTeam) -> bool:
    """An event of the bot's own team anywhere; of another team only in a customer channel."""
    return not team.foreign or config.customer_of_channel(channel_id) is not None
