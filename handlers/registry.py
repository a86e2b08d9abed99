"""``register_handlers``: the only thing ``bot/app.py`` calls to wire listeners.

It lives here, not in ``handlers/__init__.py``, so that importing one listener package
does not pull in every listener module.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, errors, events, paging, shortcuts, views


def register_handlers(app: AsyncApp) -> None:
    """Register every listener folder's ``register(app)``."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    shortcuts.register(app)
    events.register(app)
    paging.register(app)
