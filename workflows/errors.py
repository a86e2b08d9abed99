"""The support desk's domain errors: what went wrong, in words a Slack user can act on.

    SupportbotError            base; ``str(error)`` is the message shown to the user
    ├── NotFound               a ticket or incident that does not exist  ("Ticket #7 not found")
    ├── InvalidRequest         a command or value we cannot act on (unknown subcommand, bad number)
    ├── InvalidState           the thing exists but cannot do that now (resolve a resolved ticket)
    ├── NotAllowed             the person may not do that (authority matrix)
    └── RateLimited            the person did that too often in the last minute (app.yaml ``limits``)

Workflows raise them; ``handlers/errors.py`` answers them ephemerally (or as a modal field
error) and logs anything else with an id. Nothing is changed when one is raised. An
unreachable database is not a domain error but gets an answer of its own: handlers
recognise it with ``is_database_unavailable`` (``models.db_errors``; handlers do not
import models).
"""

from __future__ import annotations

from datetime import datetime

from models.db_errors import is_database_unavailable

__all__ = ["InvalidRequest", "InvalidState", "NotAllowed", "NotFound", "RateLimited", "SupportbotError",
           "TicketNotFound", "is_database_unavailable"]


class SupportbotError(Exception):
    """An error whose message is meant for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(SupportbotError):
    pass


class InvalidRequest(SupportbotError):
    pass


class InvalidState(SupportbotError):
    pass


class NotAllowed(SupportbotError):
    pass


class RateLimited(SupportbotError):
    """Over a per-person limit; ``retry_at``: when the next attempt is within it."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class TicketNotFound(NotFound):
    def __init__(self, number: int) -> None:
        super().__init__(f"Ticket #{number} not found.")
        self.number = number
