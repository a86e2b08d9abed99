"""Actions listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import closing, escalate, ticket
from handlers.actions import home, incident, intake, kb


def register(app: AsyncApp) -> None:
    ticket.register(app)
    closing.register(app)
    escalate.register(app)
    incident.register(app)
    kb.register(app)
    intake.register(app)
    home.register(app)
