"""What stops a command from starting, said in one line: what is wrong and how to fix it.

The CLI prints the line and exits 2 instead of a traceback:

- the database cannot be reached, does not exist, refuses the login, or its SQLite file
  cannot be opened (:func:`describe_database_failure`, for every command that uses it);
- the port is taken, or the address cannot be bound (:func:`describe_listen_failure`);
- Slack refuses ``SLACK_BOT_TOKEN`` (:func:`check_bot_token`, ``serve`` in HTTP mode; in
  Socket Mode opening the socket already says so). When Slack cannot be reached at all
  the check logs a warning and the bot starts: the outbox sends what is owed later.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.startup_line import safe_database_url
from models.db_errors import is_database_unavailable

__all__ = ["StartupError", "check_bot_token", "describe_database_failure", "describe_listen_failure"]

log = logging.getLogger(__name__)

#: Slack's answers to a token it will not take (auth.test): the token itself is wrong.
REFUSED_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired",
                                  "account_inactive", "not_allowed_token_type", "ekm_access_denied"})
TOKEN_CHECK_TIMEOUT = 15.0


class StartupError(Exception):
    """The process cannot start as configured; ``str()`` is the one line to print."""


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_database_failure(error: BaseException, url: str) -> str | None:
    """One line for an error that means the database at ``url`` cannot be used at all
    (None for anything else, which deserves its traceback)."""
    where = safe_database_url(url)
    chain = _chain(error)
    names = {type(e).__name__ for e in chain}
    text = next((str(e) for e in reversed(chain) if str(e)), str(error)).splitlines()[0]
    if "InvalidCatalogNameError" in names:
        name = make_url(url).database
        return (f"supportbot: the database {name!r} does not exist on the server of {where}: create it "
                f"(createdb {name}) or fix DATABASE_URL")
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return f"supportbot: the database at {where} refused the login ({text}): fix the user and password in DATABASE_URL"
    if "unable to open database file" in text:
        return (f"supportbot: cannot open the SQLite database {make_url(url).database!r} ({text}): create its "
                f"folder, make it writable, or fix DATABASE_URL")
    if make_url(url).get_backend_name() == "sqlite":
        return None  # a file that opened: its errors (a missing table…) are not about reaching it
    if not is_database_unavailable(error):  # network errors count only when raised in the driver
        return None
    if any(isinstance(e, socket.gaierror) for e in chain):
        return f"supportbot: the database host in {where} is unknown ({text}): fix the host in DATABASE_URL"
    return (f"supportbot: cannot reach the database at {where} ({text}): start it, or fix the host and "
            f"port in DATABASE_URL")


def describe_listen_failure(error: OSError, host: str, port: int) -> str:
    """One line for a listening socket that could not be opened."""
    if error.errno == errno.EADDRINUSE:
        return (f"supportbot: port {port} on {host} is already in use: stop what listens there, or choose "
                f"another port with --port (or PORT)")
    if error.errno == errno.EACCES:
        return f"supportbot: not allowed to listen on port {port} (ports below 1024 need privileges): use --port 3000"
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return f"supportbot: cannot listen on {host}:{port} ({error.strerror or error}): fix --host"
    return f"supportbot: cannot listen on {host}:{port} ({error.strerror or error})"


async def check_bot_token(client: AsyncWebClient, *, timeout: float = TOKEN_CHECK_TIMEOUT) -> None:
    """``auth.test`` with the bot token: raise :class:`StartupError` if Slack refuses it;
    warn and return if Slack cannot be reached or answers something else."""
    try:
        response = await asyncio.wait_for(client.auth_test(), timeout)
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in REFUSED_TOKEN_ERRORS:
            raise StartupError(
                f"supportbot: Slack refused SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token (xoxb-…) "
                f"from OAuth & Permissions on your Slack app's page at https://api.slack.com/apps (reinstall "
                f"the app if it was revoked)") from None
        log.warning("could not check SLACK_BOT_TOKEN with Slack (auth.test: %s); starting anyway", code or error)
        return
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        log.warning("Slack cannot be reached at %s to check SLACK_BOT_TOKEN (%s); starting anyway: messages "
                    "owed to Slack wait in the outbox until it answers", client.base_url,
                    f"{type(error).__name__}: {error}"[:200])
        return
    log.debug("SLACK_BOT_TOKEN is the bot of team %s", response.get("team_id"))
