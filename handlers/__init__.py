"""Bolt listeners. ``register_handlers`` is the only thing ``bot/app.py`` calls."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp


def register_handlers(app: AsyncApp) -> None:
    """Register every listener folder's ``register(app)``."""
    # Listener folders (commands/, actions/, views/, events/) register here as they land.
    return None
