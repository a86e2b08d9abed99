"""The one Slack Web API client every workflow talks to Slack through.

slack_sdk retries only connection errors by default; we add the rate-limit handler
(honours ``Retry-After`` on 429) and the server-error handler (transient 5xx). Bolt
copies ``base_url`` and ``retry_handlers`` into the clients it hands listeners, so
``SLACK_API_URL`` reaches every call.
"""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient


def make_slack_client(*, token: str, base_url: str, timeout: int = 10) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
