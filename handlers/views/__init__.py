"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.views import resolve, ticket


def register(app: AsyncApp) -> None:
    ticket.register(app)
    resolve.register(app)
