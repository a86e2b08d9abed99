"""The one Slack Web API client every workflow talks to Slack through.

slack_sdk retries only connection errors by default; we add the rate-limit handler
(honours ``Retry-After`` on 429) and the server-error handler (transient 5xx), and pace
posts per channel (``bot/channel_pacer.py``) so bursts stay within Slack's limits. Bolt
copies ``base_url`` and ``retry_handlers`` into the clients it hands listeners, so
``SLACK_API_URL`` reaches every call.

Connections: without ``session=`` slack_sdk opens and closes an ``aiohttp.ClientSession``
(a new TCP connection) for every call. The runtime opens one session inside the running
loop (`open_slack_session`), passes it here and closes it on shutdown. Bolt copies the
app client's ``session`` into each per-request client (``AsyncApp._init_context``), so
listeners' ``client`` shares it too. With a session of ours slack_sdk no longer applies
``timeout`` per call: the session carries it (``ClientTimeout(total=timeout)``).
Bolt's ``respond()`` (response_url) still uses a session per call: ``AsyncRespond``
takes no session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channel_pacer import ChannelPacer
from workflows.ports import PostingBudget

PACED_METHODS = frozenset({"chat.postMessage"})


class Pacer(PostingBudget, Protocol):
    """The port the outbox relay reserves slots through, and a plain wait for direct posts."""

    async def wait(self, channel: str) -> None:
        """Return when one more message may be posted to ``channel``."""


class CountingWebClient(AsyncWebClient):
    """An AsyncWebClient that paces posts per channel and reports each failed call (after
    its retries) to ``on_error``.

    ``pacer`` is public: the outbox relay reserves each post's slot itself, before it
    posts through a copy of this client whose ``pacer`` is None (``workflows/outbox/relay.py``)."""

    def __init__(self, *args: Any, on_error: Callable[[str, str | None], None] | None = None,
                 pacer: Pacer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_error = on_error
        self.pacer = pacer

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        if self.pacer is not None and api_method in PACED_METHODS:
            channel = (kwargs.get("json") or kwargs.get("data") or kwargs.get("params") or {}).get("channel")
            if channel:
                await self.pacer.wait(str(channel))
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            if self._on_error is not None:
                self._on_error(api_method, str(error.response.get("error") or error.response.status_code))
            raise
        except Exception as error:
            if self._on_error is not None:
                self._on_error(api_method, type(error).__name__)
            raise


SLACK_TIMEOUT = 10  # seconds, per Web API call


def open_slack_session(*, timeout: int = SLACK_TIMEOUT) -> aiohttp.ClientSession:
    """The one HTTP session (connection pool) of the process's Slack clients. Call it
    inside the running loop; whoever opens it closes it (``await session.close()``)."""
    asyncio.get_running_loop()  # RuntimeError outside a running loop, where aiohttp would bind the wrong one
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))


def make_slack_client(*, token: str, base_url: str, timeout: int = SLACK_TIMEOUT,
                      on_error: Callable[[str, str | None], None] | None = None,
                      session: aiohttp.ClientSession | None = None,
                      pacer: Pacer | None = None) -> AsyncWebClient:
    """The Web API client; with ``session`` (`open_slack_session`) every call, and every
    client Bolt copies from it, reuses that session's connections. ``pacer``: this
    process's own per-channel budget unless given (``bot/shared_pacer.py`` for replicas)."""
    return CountingWebClient(
        on_error=on_error,
        pacer=pacer or ChannelPacer(),
        token=token,
        base_url=base_url,
        timeout=timeout,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
