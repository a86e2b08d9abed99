"""Bolt listeners. ``register_handlers`` is the only thing ``bot/app.py`` calls."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, errors, events, shortcuts, views


def register_handlers(app: AsyncApp) -> None:
    """Register every listener folder's ``register(app)``."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    shortcuts.register(app)
    events.register(app)
