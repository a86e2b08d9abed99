"""The one way supportbot talks to PagerDuty: Events API v2 (pages) and REST (on-call).

Built on the official ``pagerduty`` package (7.x), whose clients are synchronous: every
call runs in a worker thread (``asyncio.to_thread``) with a fresh client, so nothing
blocks the event loop and no client is shared between threads. Its known traps, and
what we do about them:

- It refuses a base URL that is not ``https://``: our subclasses accept ``http://`` too,
  for a local relay or a test fake (``PAGERDUTY_EVENTS_URL``/``PAGERDUTY_API_URL``).
- It retries 429 without limit and 5xx several times, sleeping in between: we allow one
  quick in-call retry of a 429 and none of 5xx or network errors. Durable retries with
  backoff belong to the page sender (``workflows/paging/delivery.py``), which keeps them
  in the database.
- Its default timeout is 60 s: ours is a few seconds.
- It builds no timestamp that works: we always send ``payload.timestamp``.

It implements ``workflows.ports.Pager`` and raises the errors declared there, for the
caller to decide whether to try again: ``PagerDutyRetryable`` (429, 5xx, timeout,
network: the same request later) or ``PagerDutyRejected`` (400/401/403/404…: the
request itself is wrong), both ``PagerDutyError``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pagerduty

from workflows.ports import PagerDutyError, PagerDutyRejected, PagerDutyRetryable

log = logging.getLogger(__name__)

__all__ = ["SEVERITIES", "PagerDutyGateway", "iso_timestamp"]

SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255

T = TypeVar("T")


class _AnyHttpUrl:
    """Accept ``http://`` base URLs too (the package insists on ``https://``)."""

    _url: str | None = None

    @property
    def url(self) -> str | None:
        return self._url

    @url.setter
    def url(self, value: str) -> None:
        if not value.startswith(("https://", "http://")):
            raise pagerduty.UrlError("PagerDuty base URL must start with https:// or http://")
        self._url = value.rstrip("/")


class _EventsClient(_AnyHttpUrl, pagerduty.EventsApiV2Client):
    pass


class _RestClient(_AnyHttpUrl, pagerduty.RestApiV2Client):
    pass


def _tame(client: pagerduty.ApiClient, *, timeout: float, rate_limit_sleep: float) -> None:
    """Short timeout, one quick retry on 429, no in-call retries of anything else."""
    client.timeout = timeout
    client.retry = {429: 1}
    client.max_network_attempts = 0
    client.sleep_timer = rate_limit_sleep


def _translate(error: Exception, what: str) -> PagerDutyError:
    if isinstance(error, pagerduty.HttpError) and error.response is not None:
        status = error.response.status_code
        detail = (error.response.text or "")[:300]
        message = f"PagerDuty answered {status} to {what}: {detail}".rstrip(": ")
        if status == 429 or status >= 500 or 200 <= status < 300:  # 2xx: malformed body
            return PagerDutyRetryable(message, status)
        return PagerDutyRejected(message, status)
    if isinstance(error, pagerduty.UrlError):
        return PagerDutyRejected(f"PagerDuty URL problem for {what}: {error}")
    if isinstance(error, pagerduty.Error):  # network or timeout, no response
        cause = error.__cause__ or error
        return PagerDutyRetryable(f"PagerDuty unreachable for {what}: {type(cause).__name__}")
    return PagerDutyRetryable(f"PagerDuty call {what} failed: {type(error).__name__}: {error}")


def iso_timestamp(when: datetime) -> str:
    """An ISO 8601 timestamp in UTC, as the Events API wants ``payload.timestamp``."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PagerDutyGateway:
    """Async Events v2 (``trigger``/``acknowledge``/``resolve``) and on-call look-ups.

    ``routing_key`` enables pages through PagerDuty; ``api_token`` enables ``oncalls``.
    Either may be missing (see ``sends_events`` and ``reads_oncall``).
    """

    def __init__(
        self, *, routing_key: str | None, events_url: str, api_token: str | None = None,
        api_url: str = "https://api.pagerduty.com", timeout: float = 5.0, rate_limit_sleep: float = 1.0,
    ) -> None:
        self.routing_key = routing_key
        self.events_url = events_url.rstrip("/")
        self.api_token = api_token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.rate_limit_sleep = rate_limit_sleep

    @property
    def sends_events(self) -> bool:
        return bool(self.routing_key)

    @property
    def reads_oncall(self) -> bool:
        return bool(self.api_token)

    # -- Events API v2 ----------------------------------------------------------------

    async def trigger(
        self, *, dedup_key: str, summary: str, source: str, severity: str, timestamp: datetime,
        custom_details: dict[str, Any] | None = None, links: list[dict[str, str]] | None = None,
    ) -> str:
        """Open (or add to) the alert ``dedup_key``; returns the dedup_key PagerDuty echoes."""
        if severity not in SEVERITIES:
            raise PagerDutyRejected(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        summary = summary if len(summary) <= SUMMARY_MAX else summary[: SUMMARY_MAX - 1] + "…"

        def call(client: _EventsClient) -> str:
            return client.trigger(
                summary, source, dedup_key=_checked_key(dedup_key), severity=severity,
                payload={"timestamp": iso_timestamp(timestamp)}, custom_details=custom_details or {},
                links=links or None,
            )

        return await self._events(call, f"trigger {dedup_key}")

    async def acknowledge(self, dedup_key: str) -> str:
        return await self._events(lambda c: c.acknowledge(_checked_key(dedup_key)), f"acknowledge {dedup_key}")

    async def resolve(self, dedup_key: str) -> str:
        return await self._events(lambda c: c.resolve(_checked_key(dedup_key)), f"resolve {dedup_key}")

    async def send(self, action: str, *, dedup_key: str) -> str:
        """``acknowledge`` or ``resolve`` the alert ``dedup_key`` (a trigger has its own
        arguments: ``trigger``)."""
        if action == "acknowledge":
            return await self.acknowledge(dedup_key)
        if action == "resolve":
            return await self.resolve(dedup_key)
        raise PagerDutyRejected(f"unknown Events v2 action {action!r}")

    async def _events(self, call: Callable[[_EventsClient], T], what: str) -> T:
        if not self.routing_key:
            raise PagerDutyRejected("PAGERDUTY_ROUTING_KEY is not set")
        routing_key = self.routing_key

        def run() -> T:
            with _EventsClient(routing_key, base_url=self.events_url) as client:
                _tame(client, timeout=self.timeout, rate_limit_sleep=self.rate_limit_sleep)
                return call(client)

        return await self._off_loop(run, what)

    # -- REST: who is on call ------------------------------------------------------------

    async def oncalls(
        self, *, since: datetime, until: datetime, schedule_id: str | None = None,
        escalation_policy_id: str | None = None, include_users: bool = False,
    ) -> list[dict[str, Any]]:
        """``GET /oncalls`` for one schedule or escalation policy between two moments
        (``include_users``: each entry's ``user`` is the user object, with its email)."""
        if not self.api_token:
            raise PagerDutyRejected("PAGERDUTY_API_TOKEN is not set")
        token = self.api_token
        params: dict[str, Any] = {"since": iso_timestamp(since), "until": iso_timestamp(until), "limit": 100}
        if schedule_id:
            params["schedule_ids"] = [schedule_id]
        if escalation_policy_id:
            params["escalation_policy_ids"] = [escalation_policy_id]
        if include_users:
            params["include"] = ["users"]

        def run() -> list[dict[str, Any]]:
            with _RestClient(token, base_url=self.api_url) as client:
                _tame(client, timeout=self.timeout, rate_limit_sleep=self.rate_limit_sleep)
                body = client.jget("/oncalls", params=params)
            oncalls = body.get("oncalls") if isinstance(body, dict) else None
            if not isinstance(oncalls, list):
                raise PagerDutyRetryable("PagerDuty answered GET /oncalls without an oncalls list")
            return [entry for entry in oncalls if isinstance(entry, dict)]

        return await self._off_loop(run, "GET /oncalls")

    async def abilities(self) -> list[str]:
        """``GET /abilities``: the account's abilities. Read-only and pages nobody, so
        ``supportbot doctor`` uses it to prove that the REST token is accepted."""
        if not self.api_token:
            raise PagerDutyRejected("PAGERDUTY_API_TOKEN is not set")
        token = self.api_token

        def run() -> list[str]:
            with _RestClient(token, base_url=self.api_url) as client:
                _tame(client, timeout=self.timeout, rate_limit_sleep=self.rate_limit_sleep)
                body = client.jget("/abilities")
            abilities = body.get("abilities") if isinstance(body, dict) else None
            if not isinstance(abilities, list):
                raise PagerDutyRetryable("PagerDuty answered GET /abilities without an abilities list")
            return [str(a) for a in abilities]

        return await self._off_loop(run, "GET /abilities")

    async def _off_loop(self, run: Callable[[], T], what: str) -> T:
        try:
            return await asyncio.to_thread(run)
        except PagerDutyError:
            raise
        except Exception as error:  # the package's errors, httpx2's, anything from the thread
            raise _translate(error, what) from error


def _checked_key(dedup_key: str) -> str:
    if not dedup_key or len(dedup_key) > DEDUP_KEY_MAX:
        raise PagerDutyRejected(f"dedup_key must be 1-{DEDUP_KEY_MAX} characters")
    return dedup_key
