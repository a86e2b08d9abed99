"""Everything a request or a job needs, built once per process and passed down.

No module-level app, client or engine: ``build_runtime`` is called by ``serve`` and by
the tests, each with its own settings, config and clock, inside the running loop (it
opens the Slack clients' shared HTTP session there; ``close`` closes it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from workflows.ports import Clock
from workflows.policy.schema import AppConfig
from bot.database import make_engine, make_session_factory
from bot.pagerduty_gateway import PagerDutyGateway
from bot.request_order import RequestOrder
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.shared_pacer import SharedChannelPacer
from bot.slack_gateway import make_slack_client, open_slack_session
from bot.statuspage_gateway import StatusPageGateway
from bot.spare_time import SpareTime
from bot.telemetry import Telemetry
from workflows.deps import Deps
from workflows.incidents.war_room_steps import OUTBOX_STEPS as WAR_ROOM_STEPS
from workflows.reports.delivery import OUTBOX_STEPS as REPORT_STEPS
from workflows.paging.mirrors import OUTBOX_STEPS as PAGE_STEPS
from workflows.access.user_groups import UserGroupDirectory
from workflows.outbox.renderers import Renderers
from workflows.sla.messages import SLA_DIGEST, build_sla_digest_text
from workflows.tickets.messages.card import render_ticket_card


#: What prepares the outbox rows that rooms other than the outbox own: the outbox relay
#: sends them without importing those rooms (``Deps.outbox_steps``).
OUTBOX_STEPS = MappingProxyType({**WAR_ROOM_STEPS, **REPORT_STEPS, **PAGE_STEPS})
#: How the relay renders ticket cards and SLA digests as it sends them, with the rooms'
#: own builders (``Deps.outbox_renderers``).
OUTBOX_RENDERERS = Renderers(ticket_card=render_ticket_card, digests={SLA_DIGEST: build_sla_digest_text})


@dataclass
class Runtime:
    settings: Settings
    config: AppConfig
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    slack: AsyncWebClient
    scheduler: Scheduler
    telemetry: Telemetry = field(default_factory=Telemetry)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    pagerduty: PagerDutyGateway | None = None
    statuspage: StatusPageGateway | None = None  # STATUSPAGE_API_KEY set
    user_groups: UserGroupDirectory = field(default_factory=UserGroupDirectory)
    slack_session: aiohttp.ClientSession | None = None  # shared by ``slack`` and Bolt's per-request clients
    spare_time: SpareTime = field(default_factory=SpareTime)  # best-effort work waits for it
    request_order: RequestOrder = field(default_factory=RequestOrder)  # each person's requests in turn

    @property
    def deps(self) -> Deps:
        return Deps(sessions=self.sessions, slack=self.slack, config=self.config, clock=self.clock,
                    pagerduty=self.pagerduty, statuspage=self.statuspage, user_groups=self.user_groups,
                    spare_time=self.spare_time,
                    spawn=self.spawn, telemetry=self.telemetry, outbox_steps=OUTBOX_STEPS,
                    outbox_renderers=OUTBOX_RENDERERS)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run background work, keeping a reference until it finishes (the event loop keeps
        only a weak one, so an unreferenced task can be collected mid-flight)."""
        return self.adopt(asyncio.get_running_loop().create_task(coro))

    def adopt(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """Count a task someone else started (Bolt's listener after its ack, ``bot/app.py``)
        as background work: ``drain`` and shutdown wait for it."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def drain(self, timeout: float = 10.0) -> set[asyncio.Task[Any]]:
        """Wait, up to ``timeout`` seconds, until no background work is left, including
        the work that finishing work starts. Returns what still runs (empty when drained)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.tasks - {asyncio.current_task()} and (left := deadline - loop.time()) > 0:
            await asyncio.wait(self.tasks - {asyncio.current_task()}, timeout=left)
        return self.tasks - {asyncio.current_task()}

    async def close(self) -> None:
        try:
            await self.scheduler.stop()
            await self.drain()
            await self.spare_time.close()
            if self.statuspage is not None:
                await self.statuspage.close()
            await self.engine.dispose()
        finally:
            if self.slack_session is not None:
                await self.slack_session.close()


def build_runtime(*, settings: Settings, config: AppConfig, clock: Clock) -> Runtime:
    """Call inside the running loop (see the module docstring)."""
    engine = make_engine(settings.database_url)
    telemetry = Telemetry()
    slack_session = open_slack_session()
    return Runtime(
        telemetry=telemetry,
        settings=settings,
        config=config,
        clock=clock,
        engine=engine,
        sessions=make_session_factory(engine),
        slack=make_slack_client(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                                on_error=telemetry.count_slack_error, session=slack_session,
                                pacer=_pacer(engine)),
        slack_session=slack_session,
        scheduler=Scheduler(),
        pagerduty=_pagerduty_gateway(settings),
        statuspage=_statuspage_gateway(settings),
        spare_time=SpareTime(on_skip=telemetry.count_skipped),
    )


def _pacer(engine: AsyncEngine) -> SharedChannelPacer | None:
    """Replicas run on Postgres and share each channel's posting budget there; a SQLite
    database has one process, which paces its posts itself (the client's default)."""
    return SharedChannelPacer(engine) if engine.dialect.name == "postgresql" else None


def _statuspage_gateway(settings: Settings) -> StatusPageGateway | None:
    """Atlassian Statuspage when ``STATUSPAGE_API_KEY`` is set (app.yaml's ``statuspage`` names the page)."""
    if not settings.statuspage_api_key:
        return None
    return StatusPageGateway(api_key=settings.statuspage_api_key, api_url=settings.statuspage_api_url)


def _pagerduty_gateway(settings: Settings) -> PagerDutyGateway | None:
    """PagerDuty when a routing key (pages) or an API token (who is on call) is set."""
    if not (settings.pagerduty_routing_key or settings.pagerduty_api_token):
        return None
    return PagerDutyGateway(
        routing_key=settings.pagerduty_routing_key, events_url=settings.pagerduty_events_url,
        api_token=settings.pagerduty_api_token, api_url=settings.pagerduty_api_url,
    )
