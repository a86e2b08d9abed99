"""Slash command listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.commands import escalate, oncall, ticket
from handlers.commands import incident, kb


def register(app: AsyncApp) -> None:
    ticket.register(app)
    escalate.register(app)
    oncall.register(app)
    incident.register(app)
    kb.register(app)
