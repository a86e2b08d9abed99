"""Events API listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.events import home, mentions, messages, reactions


def register(app: AsyncApp) -> None:
    home.register(app)
    messages.register(app)
    mentions.register(app)
    reactions.register(app)
