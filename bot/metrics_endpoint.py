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
    supportbot_slack_api_errors_total{method, error}       (process)
    supportbot_outbox_failed_total{reason}                 (process) Slack messages the outbox gave up on
    supportbot_outbox_paused_total{scope, reason}          (process) lane or whole-relay pauses (not_in_channel, invalid_auth…)
    supportbot_http_request_duration_seconds{route, …}     (process)

Wiring: ``app.router.add_get("/metrics", metrics)`` on the server's application (it
finds the runtime under ``bot.server.RUNTIME_KEY`` and its ``telemetry`` attribute, if
any), or ``metrics_handler(sessions=…, clock=…, telemetry=…)`` for any aiohttp app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.telemetry import Telemetry
from models.gauge_queries import Gauges, read_gauges

__all__ = ["gauge_metrics", "metrics_handler", "render_metrics"]

Handler = Callable[[web.Request], Awaitable[web.Response]]


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
    return [open_tickets, breaches, sent, acked, outbox]


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


async def render_metrics(*, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                         telemetry: Telemetry | None = None) -> bytes:
    """The exposition text of one scrape."""
    async with sessions() as db:
        gauges = await read_gauges(db, clock())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(gauge_metrics(gauges)))
    if telemetry is not None:
        registry.register(_Process(telemetry.registry))
    return generate_latest(registry)


def _response(body: bytes) -> web.Response:
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def metrics_handler(*, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                    telemetry: Telemetry | None = None) -> Handler:
    """A ``GET /metrics`` handler over these sessions."""

    async def handle(request: web.Request) -> web.Response:
        return _response(await render_metrics(sessions=sessions, clock=clock, telemetry=telemetry))

    return handle
