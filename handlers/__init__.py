"""Bolt listeners. ``register_handlers`` is the only thing ``bot/app.py`` calls."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, errors, events, paging, shortcuts, views
from handlers.actions import escalate as escalate_actions
from handlers.views import escalate as escalate_views


def register_handlers(app: AsyncApp) -> None:
    """Register every listener folder's ``register(app)``."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    shortcuts.register(app)
    events.register(app)
    paging.register(app)
    escalate_actions.register(app)
    escalate_views.register(app)
