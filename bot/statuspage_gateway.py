"""The one way supportbot talks to Atlassian Statuspage: its REST API v1 over aiohttp.

``Authorization: OAuth <STATUSPAGE_API_KEY>`` on every call, JSON bodies shaped as the
API documents them (``{"incident": {...}}``), a short timeout, no in-call retries:
durable retries with backoff belong to the sender (``workflows/incidents/statuspage.py``),
which keeps them in the database. ``STATUSPAGE_API_URL`` (default
``https://api.statuspage.io``; ``http://`` accepted, for a local fake) gets ``/v1/…``
appended.

It implements ``workflows.ports.StatusPage`` and raises the errors declared there:
``StatusPageRetryable`` for 420/429 (Statuspage's rate limits), 5xx, 401/403 (a key
being rotated: once the right one is set, what waited goes out), 408/409, timeouts and
network errors; ``StatusPageRejected`` for any other 4xx (400, 404, 422: the request
itself is wrong).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from workflows.ports import StatusPageRejected, StatusPageRetryable

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_TIMEOUT", "RETRYABLE_STATUSES", "StatusPageGateway"]

DEFAULT_TIMEOUT = 10.0
RETRYABLE_STATUSES = frozenset({401, 403, 408, 409, 420, 429})


class StatusPageGateway:
    def __init__(self, *, api_key: str, api_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not api_url.startswith(("https://", "http://")):
            raise ValueError("STATUSPAGE_API_URL must start with https:// or http://")
        self.api_key = api_key
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:  # opened inside the running loop, on first use
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.api_url}/v1/{path}"
        headers = {"Authorization": f"OAuth {self.api_key}", "Accept": "application/json"}
        what = f"{method} /v1/{path}"
        try:
            async with self._client().request(method, url, json=body, headers=headers) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise StatusPageRetryable(f"{what}: {type(error).__name__}: {error}") from error
        if 200 <= status < 300:
            try:
                return json.loads(text) if text else {}
            except ValueError as error:
                raise StatusPageRetryable(f"{what}: {status} with a body that is not JSON") from error
        message = f"{what}: {status} {_error_text(text)}"
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise StatusPageRetryable(message, status)
        raise StatusPageRejected(message, status)

    async def create_incident(self, *, page_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"pages/{page_id}/incidents", {"incident": fields}))

    async def update_incident(self, *, page_id: str, incident_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("PATCH", f"pages/{page_id}/incidents/{incident_id}", {"incident": fields}))

    async def unresolved_incidents(self, *, page_id: str) -> list[dict[str, Any]]:
        answer = await self._call("GET", f"pages/{page_id}/incidents/unresolved")
        return [i for i in answer if isinstance(i, dict)] if isinstance(answer, list) else []

    async def page(self, page_id: str) -> dict[str, Any]:
        """``GET /v1/pages/{page_id}``: read-only, for ``supportbot doctor``."""
        return dict(await self._call("GET", f"pages/{page_id}"))


def _error_text(text: str) -> str:
    """Statuspage's ``{"error": "..."}`` (or ``{"message": ...}``), else the body, short."""
    try:
        body = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(body, dict):
        found = body.get("error") or body.get("message") or body.get("errors")
        if found:
            return str(found)[:300]
    return text[:300]
