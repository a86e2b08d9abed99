"""What workflows need from outside, as Protocols; bot/ implements them and passes them in.

- ``Clock``: the injected time. Domain code never calls ``datetime.now()``; it receives
  ``now`` or a ``Clock`` (one ``clock()`` call at the edge of each request and job).
  ``bot.clock.system_clock`` in production, ``tests.fakes.clock.FakeClock`` in tests.
- ``Pager``: PagerDuty (Events API v2 and who is on call), ``bot.pagerduty_gateway``.
  Its calls raise ``PagerDutyError``, defined here so that workflows catch their own
  type::

      PagerDutyError              base; ``str(error)`` says what happened
      ├── PagerDutyRetryable      429, 5xx, timeout, network: same request later
      └── PagerDutyRejected       400/401/403/404…: the request itself is wrong

- ``StatusPage``: Atlassian Statuspage's REST API v1 (``statuspage`` in app.yaml),
  ``bot.statuspage_gateway``. Its calls raise ``StatusPageError``, shaped as PagerDuty's::

      StatusPageError             base; ``status`` is the HTTP status, if any
      ├── StatusPageRetryable     429/420, 5xx, 401/403 (a key being rotated), timeout, network
      └── StatusPageRejected      400, 404, 422…: the request itself is wrong

- ``SpareTime``: best-effort work that waits until no Slack request is being answered,
  ``bot.spare_time``.
- ``PostingBudget``: each channel's posting slots, within Slack's rate (the pacer of
  ``bot.channel_pacer``, shared by the replicas in ``bot.shared_pacer``); the outbox
  relay reserves a post's slot itself (``workflows/outbox/relay.py``).
- ``Telemetry``: the process's counters on ``/metrics`` that workflows add to (the
  outbox's given-up messages and pauses), ``bot.telemetry``.

Slack is reached through slack_sdk's ``AsyncWebClient`` (a library type, not bot's);
tests point it at the fake Slack server over HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

__all__ = ["Clock", "Pager", "PagerDutyError", "PagerDutyRejected", "PagerDutyRetryable", "PostingBudget", "SpareTime",
           "StatusPage", "StatusPageError", "StatusPageRejected", "StatusPageRetryable", "Telemetry"]


class Clock(Protocol):
    def __call__(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class PagerDutyError(Exception):
    """PagerDuty did not take the request; ``status`` is the HTTP status, if any."""

    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PagerDutyRetryable(PagerDutyError):
    """Worth sending again later: rate limited, PagerDuty failing, or unreachable."""

    retryable = True


class PagerDutyRejected(PagerDutyError):
    """PagerDuty refused the request as it is (bad key, bad event): do not resend it."""


class Pager(Protocol):
    """PagerDuty as workflows use it. Every call raises ``PagerDutyError`` when PagerDuty
    does not take the request."""

    @property
    def sends_events(self) -> bool:
        """Pages go to PagerDuty (a routing key is set)."""
        ...

    @property
    def reads_oncall(self) -> bool:
        """PagerDuty can be asked who is on call (an API token is set)."""
        ...

    async def trigger(
        self, *, dedup_key: str, summary: str, source: str, severity: str, timestamp: datetime,
        custom_details: dict[str, Any] | None = None, links: list[dict[str, str]] | None = None,
    ) -> str:
        """Open (or add to) the alert ``dedup_key``; returns the dedup_key PagerDuty echoes."""
        ...

    async def send(self, action: str, *, dedup_key: str) -> str:
        """``acknowledge`` or ``resolve`` the alert ``dedup_key``."""
        ...

    async def oncalls(
        self, *, since: datetime, until: datetime, schedule_id: str | None = None,
        escalation_policy_id: str | None = None, include_users: bool = False,
    ) -> list[dict[str, Any]]:
        """Who is on call (PagerDuty's ``oncalls`` entries) between two moments, for one
        schedule or escalation policy (``include_users``: with each user's email)."""
        ...


class StatusPageError(Exception):
    """The status page did not take the request; ``status`` is the HTTP status, if any."""

    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StatusPageRetryable(StatusPageError):
    """Worth sending again later: rate limited, failing, unreachable, or the key refused
    (fixed by setting the right one: nothing is lost meanwhile)."""

    retryable = True


class StatusPageRejected(StatusPageError):
    """The status page refused the request as it is (unknown page or incident, invalid
    fields): sending it again would not help."""


class StatusPage(Protocol):
    """An Atlassian Statuspage page's incidents. Each incident is a dict as the API answers
    it (``id``, ``shortlink``, ``status``, ``metadata``…). ``fields`` are those of the
    API's ``incident`` object (``name``, ``status``, ``body``, ``component_ids``,
    ``components``, ``metadata``, ``deliver_notifications``)."""

    async def create_incident(self, *, page_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/pages/{page_id}/incidents``."""
        ...

    async def update_incident(self, *, page_id: str, incident_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/pages/{page_id}/incidents/{incident_id}`` (a ``body`` adds an update)."""
        ...

    async def unresolved_incidents(self, *, page_id: str) -> list[dict[str, Any]]:
        """``GET /v1/pages/{page_id}/incidents/unresolved``."""
        ...


class SpareTime(Protocol):
    def offer(self, work: str, job: Callable[[], Awaitable[None]], *, patience: float) -> bool:
        """Run ``job`` when no Slack request is being answered, started within ``patience``
        seconds or not at all; False when it was refused at once (too much waits)."""
        ...


class PostingBudget(Protocol):
    async def wait_within(self, channel: str, limit: float) -> float:
        """Reserve ``channel``'s next posting slot and wait for it, if it comes within
        ``limit`` seconds; the seconds until the slot (above ``limit``: nothing was
        reserved and nothing waited)."""
        ...


class Telemetry(Protocol):
    def count_outbox_failed(self, reason: str) -> None:
        """One outbox message given up on (``reason``: Slack's last error)."""
        ...

    def count_outbox_paused(self, scope: str, reason: str) -> None:
        """The outbox paused ``scope`` (``lane`` or ``relay``) because Slack answered ``reason``."""
        ...
