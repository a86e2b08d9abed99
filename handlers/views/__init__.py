"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.views import escalate, merge, resolve, ticket, triage
from handlers.views import incident


def register(app: AsyncApp) -> None:
    ticket.register(app)
    resolve.register(app)
    triage.register(app)
    merge.register(app)
    escalate.register(app)
    incident.register(app)
