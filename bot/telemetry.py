"""Process-level Prometheus metrics: what only this process sees (Slack API errors,
HTTP request latency). Database-backed numbers are read per scrape instead
(``bot/metrics_endpoint.py``).

One ``Telemetry`` per process, made with the runtime and passed where it is needed
(never a module global): it owns its own ``CollectorRegistry``, so tests and several
runtimes in one process do not share counters.

    telemetry = Telemetry()
    telemetry.count_slack_error("chat.postMessage", "ratelimited")
    telemetry.count_sla_set_aside("first_response_breach")
    app = web.Application(middlewares=[telemetry.request_middleware()])
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["LATENCY_BUCKETS", "Telemetry"]

#: Slack wants an answer within 3 s; the buckets are dense below that.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Telemetry:
    """Counters and histograms this process increments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.slack_api_errors = Counter(
            "supportbot_slack_api_errors", "Slack Web API calls that failed, by method and error.",
            ["method", "error"], registry=self.registry)
        self.spare_time_skipped = Counter(
            "supportbot_spare_time_skipped", "Best-effort work skipped because the bot stayed busy answering "
            "Slack (bot/spare_time.py), by work.", ["work"], registry=self.registry)
        self.sla_notices_set_aside = Counter(
            "supportbot_sla_notices_set_aside", "SLA warnings, breaches and management notices that failed for "
            "good and were set aside (never sent), by kind (workflows/sla/engine.py).", ["kind"],
            registry=self.registry)
        self.outbox_failed = Counter(
            "supportbot_outbox_failed", "Slack messages the outbox gave up on (a final error, or still refused "
            "after the retry window), by Slack's last answer.", ["reason"], registry=self.registry)
        self.outbox_paused = Counter(
            "supportbot_outbox_paused", "Times the outbox paused a channel's lane (the bot is not in the channel, "
            "or it is gone) or the whole relay (Slack refused the token), by scope and reason.",
            ["scope", "reason"], registry=self.registry)
        self.request_latency = Histogram(
            "supportbot_http_request_duration_seconds", "Time to answer an HTTP request, by route and status.",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def count_slack_error(self, method: str, error: str | None) -> None:
        """One failed Slack call (``error``: Slack's error code, or the HTTP status)."""
        self.slack_api_errors.labels(method=method, error=error or "unknown").inc()

    def count_skipped(self, work: str) -> None:
        """Best-effort ``work`` that got no spare time and was skipped."""
        self.spare_time_skipped.labels(work=work).inc()

    def count_sla_set_aside(self, kind: str) -> None:
        """One SLA notification set aside: its warning, breach or page never went out."""
        self.sla_notices_set_aside.labels(kind=kind).inc()

    def count_outbox_failed(self, reason: str) -> None:
        """One outbox message given up on (``reason``: Slack's last error)."""
        self.outbox_failed.labels(reason=reason or "unknown").inc()

    def count_outbox_paused(self, scope: str, reason: str) -> None:
        """The outbox paused ``scope`` (``lane`` or ``relay``) because Slack answered ``reason``."""
        self.outbox_paused.labels(scope=scope, reason=reason or "unknown").inc()

    def observe_request(self, *, route: str, method: str, status: int, seconds: float) -> None:
        self.request_latency.labels(route=route, method=method, status=str(status)).observe(seconds)

    def request_middleware(self) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
        """An aiohttp middleware timing every request, labelled by the route's pattern
        (``/slack/events``; ``unmatched`` for 404s, so paths never explode the labels)."""

        @web.middleware
        async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                info = request.match_info.route.resource
                route = info.canonical if info is not None else "unmatched"
                self.observe_request(route=route, method=request.method, status=status,
                                     seconds=time.perf_counter() - started)

        return timed
