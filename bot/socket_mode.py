"""Socket Mode: the same Bolt app, fed over Slack's WebSocket instead of ``POST /slack/events``.

For workspaces that cannot expose a public URL. The app-level token (``SLACK_APP_TOKEN``,
``xapp-…``, scope ``connections:write``) asks ``apps.connections.open`` on
``SLACK_API_URL`` for a WebSocket URL; Slack then sends every slash command,
interactivity payload and event there as an envelope ``{"envelope_id", "type",
"payload", …}``, and the app answers each with ``{"envelope_id": …}`` (plus the
``ack()`` body, e.g. ``response_action: errors``) within 3 seconds.

Built on Bolt's ``AsyncSocketModeHandler`` (slack_sdk's aiohttp client: it pings,
reconnects on ``disconnect`` envelopes and dropped sockets, and re-issues the URL).
What we add:

- The first URL is issued before connecting, so a refused token fails ``start()`` with
  `SocketModeError` at once instead of being retried forever in the background.
- An envelope Bolt cannot handle (see ``bot.payload_guard``) or that makes
  ``async_dispatch`` raise is acknowledged and logged: unacknowledged, Slack would
  deliver the same broken payload again.

Signatures are not checked on the socket (Bolt skips verification in ``socket_mode``):
the socket itself is authenticated by the app-level token.
"""

from __future__ import annotations

import logging
import time
import uuid

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.payload_guard import malformed_reason

__all__ = ["SocketModeConnection", "SocketModeError", "explain_refusal"]

log = logging.getLogger(__name__)

#: Seconds between WebSocket pings; a socket silent for 4 pings is replaced.
PING_INTERVAL = 10.0


class SocketModeError(Exception):
    """Slack refused to open a Socket Mode connection; the message says why and what to do."""


class _GuardedHandler(AsyncSocketModeHandler):
    """Bolt's handler, acknowledging envelopes that Bolt cannot process (see module doc)."""

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        reason = malformed_reason(req.payload)
        if reason:
            log.warning("malformed Socket Mode envelope %s (%s) acknowledged and dropped: %s",
                        req.envelope_id, req.type, reason)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        try:
            bolt_response = await run_async_bolt_app(self.app, req)
        except Exception:
            error_id = uuid.uuid4().hex[:12]
            log.exception("Socket Mode envelope %s (%s) failed (error id %s); acknowledged",
                          req.envelope_id, req.type, error_id)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await send_async_response(client, req, bolt_response, started)


class SocketModeConnection:
    """One Socket Mode connection for ``bolt_app``: ``await start()``, ``await stop()``.

    Create it inside the running loop (the client starts its message processor there).
    """

    def __init__(self, bolt_app: AsyncApp, *, app_token: str, web_client: AsyncWebClient,
                 ping_interval: float = PING_INTERVAL) -> None:
        self._handler = _GuardedHandler(bolt_app, app_token=app_token, web_client=web_client,
                                        logger=logging.getLogger("supportbot.socket_mode"),
                                        ping_interval=ping_interval)

    @property
    def client(self) -> AsyncBaseSocketModeClient:
        return self._handler.client

    async def is_connected(self) -> bool:
        return await self._handler.client.is_connected()

    async def start(self) -> None:
        """Issue the WebSocket URL (refusal: `SocketModeError`), then connect."""
        client = self._handler.client
        try:
            opened = await client.web_client.apps_connections_open(app_token=client.app_token)
            client.wss_uri = str(opened["url"])
        except SlackApiError as error:
            await self._handler.close_async()
            error_code = str(error.response.get("error") or error)
            raise SocketModeError(
                f"supportbot: Slack refused apps.connections.open ({error_code}): {explain_refusal(error_code)}"
            ) from error
        except Exception as error:
            await self._handler.close_async()
            raise SocketModeError(
                f"supportbot: could not reach Slack for a Socket Mode connection ({type(error).__name__}: "
                f"{error}) — check SLACK_API_URL and the network"
            ) from error
        await self._handler.connect_async()
        log.info("Socket Mode connected")

    async def stop(self) -> None:
        """Close the socket (Slack stops sending here) and the client's HTTP session."""
        await self._handler.close_async()
        log.info("Socket Mode connection closed")


def explain_refusal(error: str) -> str:
    """What to do when ``apps.connections.open`` answers ``error``."""
    if error in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return ("SLACK_APP_TOKEN was refused — create a new app-level token with connections:write under "
                "Basic Information > App-Level Tokens")
    if error == "not_allowed_token_type":
        return "SLACK_APP_TOKEN must be an app-level token (xapp-…), not a bot or user token"
    if error == "missing_scope":
        return "the app-level token lacks connections:write — create one with that scope"
    return "turn Socket Mode on in the app's settings (Settings > Socket Mode) and check SLACK_APP_TOKEN"
