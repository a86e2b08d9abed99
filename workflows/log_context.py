"""The log context: fields every log line of the current request or job carries.

The HTTP server gives each request a ``request_id``, the Bolt middleware binds the
Slack team, user and channel ids, and workflows add the ticket number or incident id
once they know it (``bind_log_context(ticket=7)``). It lives in a ``contextvars``
variable: asyncio tasks copy the context they are started in, so a listener running
after ``ack()`` still logs its request's ids, and requests never see each other's.
``bot.logging_setup`` writes the fields into each JSON line.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["CONTEXT_FIELDS", "bind_log_context", "current_log_context", "log_context"]

#: Context keys, in the order they appear in a line.
CONTEXT_FIELDS = ("request_id", "team_id", "user_id", "channel_id", "ticket", "incident_id")

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("supportbot_log_context", default={})


def bind_log_context(**fields: Any) -> None:
    """Add ``fields`` (None values are skipped) to the current task's log context."""
    values = {k: v for k, v in fields.items() if v not in (None, "")}
    if values:
        _context.set({**_context.get(), **values})


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind ``fields`` for the ``with`` block only."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _context.reset(token)


def current_log_context() -> dict[str, Any]:
    """The fields bound now (a copy)."""
    return dict(_context.get())
