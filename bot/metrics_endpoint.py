"""``GET /metrics``: the Prometheus text exposition.

Each scrape builds a fresh ``CollectorRegistry`` whose collector yields numbers read
from the database in that request (``models.gauge_queries``), so every replica reports
the same truth and nothing drifts; the process-level metrics of ``bot.telemetry``
(Slack API errors, request latency) are added when a ``Telemetry`` is given.

    supportbot_tickets_open{priority, tier}                open tickets ("triage": no tier)
    supportbot_sla_breaches_total{priority, clock}         SLA breaches recorded on the timeline
    supportbot_pages_sent_total{subject}                   pages to on-call (one per ticket or incident)
    supportbot_pages_acknowledged_total{subject}           of those, acknowledged
    supportbot_outbox_depth{queue}                         work owed: PagerDuty calls, due SLA notices, Slack messages
    supportbot_time_to_acknowledge_seconds{priority}       histogram: page to acknowledgement (MTTA)
    supportbot_time_to_resolve_seconds{priority}           histogram: incident declared to resolved (MTTR)
    supportbot_slack_api_errors_total{method, error}       (process)
    supportbot_sla_notices_set_aside_total{kind}           (process) SLA notices that failed for good
    supportbot_outbox_failed_total{reason}                 (process) Slack messages the outbox gave up on
    supportbot_outbox_paused_total{scope, reason}          (process) lane or whole-relay pauses (not_in_channel, invalid_auth…)
    supportbot_http_request_duration_seconds{route, …}     (process)

Wiring: ``metrics_handler(sessions=…, clock=…, telemetry=…, token=…)`` for any aiohttp
app (``bot/server.py`` mounts it on the main listener, or alone on ``--metrics-port``).

Access: with ``token`` (``METRICS_TOKEN``) a scrape must send ``Authorization: Bearer
<token>`` (compared in constant time), else it is answered 401; without one anybody who
can reach the listener may scrape. Load: the database numbers of one reading serve every
scrape for ``cache_seconds`` (5 s, on the loop's monotonic clock unless another is
given), and concurrent scrapes share one reading, so scraping in a loop costs the
database at most one reading (eight aggregate queries) per window.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workflows.ports import Clock
from bot.telemetry import Telemetry
from models.gauge_queries import Gauges, read_gauges
from models.incident_metrics_queries import DURATION_BUCKETS, DurationHistogram

__all__ = ["GAUGE_CACHE_SECONDS", "bearer_matches", "gauge_metrics", "metrics_handler", "render_metrics"]

Handler = Callable[[web.Request], Awaitable[web.Response]]
#: How long one reading of the database numbers serves scrapes.
GAUGE_CACHE_SECONDS = 5.0


def gauge_metrics(gauges: Gauges) -> list[Metric]:
    """The database numbers as Prometheus metric families."""
    open_tickets = GaugeMetricFamily("supportbot_tickets_open", "Open tickets, by priority and tier.",
                                     labels=["priority", "tier"])
    for (priority, tier), n in sorted(gauges.open_tickets.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        open_tickets.add_metric([priority, tier or "triage"], n)
    breaches = CounterMetricFamily("supportbot_sla_breaches", "SLA breaches recorded, by priority and clock.",
                                   labels=["priority", "clock"])
    for (priority, clock), n in sorted(gauges.sla_breaches.items()):
        breaches.add_metric([priority, clock], n)
    sent = CounterMetricFamily("supportbot_pages_sent", "Pages sent to on-call, by subject.", labels=["subject"])
    acked = CounterMetricFamily("supportbot_pages_acknowledged", "Pages acknowledged, by subject.",
                                labels=["subject"])
    for subject in ("ticket", "incident"):
        sent.add_metric([subject], gauges.pages_sent.get(subject, 0))
        acked.add_metric([subject], gauges.pages_acknowledged.get(subject, 0))
    outbox = GaugeMetricFamily("supportbot_outbox_depth", "Work owed: PagerDuty calls not yet made, SLA "
                               "notifications due but not yet fired, Slack messages not yet sent.", labels=["queue"])
    outbox.add_metric(["pagerduty"], gauges.pagerduty_pending)
    outbox.add_metric(["sla_notifications"], gauges.sla_notifications_due)
    outbox.add_metric(["slack"], gauges.slack_outbox_pending)
    return [open_tickets, breaches, sent, acked, outbox,
            _histogram("supportbot_time_to_acknowledge_seconds", "From a page to its acknowledgement (MTTA), by "
                       "the priority of its ticket or incident.", gauges.time_to_acknowledge),
            _histogram("supportbot_time_to_resolve_seconds", "From an incident's declaration to its resolution "
                       "(MTTR), by priority.", gauges.time_to_resolve)]


def _histogram(name: str, documentation: str, histograms: dict[str, DurationHistogram]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=["priority"])
    for priority, histogram in sorted(histograms.items()):
        buckets = [(str(float(bound)), n) for bound, n in zip(DURATION_BUCKETS, histogram.buckets, strict=True)]
        family.add_metric([priority], buckets + [("+Inf", histogram.count)], sum_value=histogram.total)
    return family


class _Snapshot(Collector):
    """Yields metric families computed before the (synchronous) scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


class _Process(Collector):
    """Yields the process registry's metrics into the scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def _exposition(gauges: Gauges, telemetry: Telemetry | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(gauge_metrics(gauges)))
    if telemetry is not None:
        registry.register(_Process(telemetry.registry))
    return generate_latest(registry)


async def render_metrics(*, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                         telemetry: Telemetry | None = None) -> bytes:
    """The exposition text of one scrape, read from the database now."""
    async with sessions() as db:
        gauges = await read_gauges(db, clock())
    return _exposition(gauges, telemetry)


class _GaugeCache:
    """One reading of the database numbers, reused for ``seconds``; one reader at a time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, seconds: float,
                 monotonic: Callable[[], float] | None) -> None:
        self._sessions, self._clock, self._seconds = sessions, clock, seconds
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._lock = asyncio.Lock()
        self._gauges: Gauges | None = None
        self._read_at = 0.0

    async def gauges(self) -> Gauges:
        async with self._lock:  # scrapes arriving during a reading wait for it, then share it
            started = self._monotonic()
            if self._gauges is None or started - self._read_at >= self._seconds:
                async with self._sessions() as db:
                    self._gauges = await read_gauges(db, self._clock())
                self._read_at = started
            return self._gauges


def _response(body: bytes) -> web.Response:
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def bearer_matches(token: str, authorization: str | None) -> bool:
    """``Authorization: Bearer <token>`` (the scheme in any case), compared in constant time."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    matched = hmac.compare_digest(given.strip().encode("utf-8", "backslashreplace"), token.encode())
    return scheme.lower() == "bearer" and matched


def _unauthorized() -> web.Response:
    return web.json_response({"error": "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"}, status=401,
                             headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


def metrics_handler(*, sessions: async_sessionmaker[AsyncSession], clock: Clock, telemetry: Telemetry | None = None,
                    token: str | None = None, cache_seconds: float = GAUGE_CACHE_SECONDS,
                    monotonic: Callable[[], float] | None = None) -> Handler:
    """A ``GET /metrics`` handler over these sessions (see the module docstring)."""
    cache = _GaugeCache(sessions, clock, seconds=cache_seconds, monotonic=monotonic)

    async def handle(request: web.Request) -> web.Response:
        if token and not bearer_matches(token, request.headers.get("Authorization")):
            return _unauthorized()
        return _response(_exposition(await cache.gauges(), telemetry))

    return handle
