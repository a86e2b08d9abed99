"""Actions listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import ticket


def register(app: AsyncApp) -> None:
    ticket.register(app)
