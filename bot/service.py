"""One running supportbot: migrations, knowledge base, scheduler, Bolt app and HTTP server, in order
(and, with ``socket_mode=True``, the Socket Mode connection Slack's requests come over)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.app import build_bolt_app
from bot.database import upgrade_database
from bot.jobs import declare_event_replay, declare_jobs
from bot.runtime import Runtime
from bot.server import HttpServer, build_metrics_app, build_web_app
from bot.socket_mode import SocketModeConnection, SocketModeError
from bot.startup_line import startup_line
from workflows.kb.index import reindex_knowledge_base
from workflows.policy.roles import OPEN_BY_DEFAULT

log = logging.getLogger(__name__)


class Service:
    def __init__(self, runtime: Runtime, *, host: str = "0.0.0.0", port: int = 3000, timers: bool = True,
                 socket_mode: bool = False, metrics_host: str = "127.0.0.1", metrics_port: int | None = None) -> None:
        """``timers=False`` (tests that drive time by hand) starts no sweeps or wake-ups.
        ``socket_mode=True``: Slack's requests arrive over Socket Mode (``SLACK_APP_TOKEN``)
        and ``POST /slack/events`` is not served; the other routes still are.
        ``metrics_port``: ``GET /metrics`` is served on ``metrics_host:metrics_port`` alone
        (``0``: a free port), not on ``port``."""
        self.runtime = runtime
        self._timers = timers
        self._socket_mode = socket_mode
        self._socket: SocketModeConnection | None = None
        self._host = host
        self._port = port
        self._http: HttpServer | None = None
        self._metrics_host = metrics_host
        self._metrics_port = metrics_port
        self._metrics_http: HttpServer | None = None
        self.bolt_app: AsyncApp | None = None

    @property
    def port(self) -> int:
        assert self._http is not None and self._http.port is not None, "service not started"
        return self._http.port

    @property
    def metrics_port(self) -> int | None:
        """The port of the separate ``GET /metrics`` listener, if there is one."""
        return self._metrics_http.port if self._metrics_http is not None else None

    @property
    def http(self) -> HttpServer:
        assert self._http is not None, "service not started"
        return self._http

    async def start(self) -> None:
        """Bring the schema up to date, connect the socket (Socket Mode), start the
        scheduler, then listen. A refused app-level token raises SocketModeError before
        any timer runs; the caller then calls ``stop()``."""
        await upgrade_database(self.runtime.engine)
        await reindex_knowledge_base(sessions=self.runtime.sessions, config=self.runtime.config,
                                     now=self.runtime.clock())
        bolt_app = self.bolt_app = build_bolt_app(self.runtime)
        if self._socket_mode:
            await self._connect_socket(bolt_app)
        self.runtime.scheduler.start()
        if self._timers:
            declare_jobs(self.runtime)
            declare_event_replay(self.runtime, bolt_app)
        separate_metrics = self._metrics_port is not None
        web_app = build_web_app(self.runtime, bolt_app, slack_events_route=not self._socket_mode,
                                metrics_route=not separate_metrics)
        self._http = HttpServer(web_app, host=self._host, port=self._port)
        await self._http.start()
        if self._metrics_port is not None:
            self._metrics_http = HttpServer(build_metrics_app(self.runtime), host=self._metrics_host,
                                            port=self._metrics_port)
            await self._metrics_http.start()
        settings = self.runtime.settings
        log.info("%s", startup_line(database_url=settings.database_url, config=self.runtime.config,
                                    config_path=settings.config_path, socket_mode=self._socket_mode,
                                    address=f"{self._host}:{self.port}", timers=self.runtime.scheduler.job_names()))
        self._log_metrics_access()
        if self.runtime.config.roles is None:
            log.warning("%s", OPEN_BY_DEFAULT)
        if not settings.pagerduty_webhook_secret:
            # Only a warning when PagerDuty is in use: without it there is nothing to hear from.
            in_use = settings.pagerduty_routing_key or settings.pagerduty_api_token
            log.log(logging.WARNING if in_use else logging.INFO,
                    "POST /pagerduty/webhook is off (every request refused) until PAGERDUTY_WEBHOOK_SECRET is set")

    def _log_metrics_access(self) -> None:
        where = (f"{self._metrics_host}:{self.metrics_port}" if self._metrics_http is not None
                 else f"{self._host}:{self.port}")
        if self.runtime.settings.metrics_token:
            log.info("GET /metrics on %s is protected by METRICS_TOKEN", where)
        else:
            log.info("GET /metrics on %s is open to anyone who can reach it (set METRICS_TOKEN, or serve it "
                     "with --metrics-port on a private address)", where)

    async def _connect_socket(self, bolt_app: AsyncApp) -> None:
        token = self.runtime.settings.slack_app_token
        if not token:
            raise SocketModeError("supportbot: Socket Mode needs SLACK_APP_TOKEN (an xapp- token)")
        socket = SocketModeConnection(bolt_app, app_token=token, web_client=self.runtime.slack)
        await socket.start()
        self._socket = socket

    async def stop(self) -> None:
        """Close the socket, stop listening (in-flight requests finish), stop the scheduler,
        dispose the DB."""
        if self._socket is not None:
            await self._socket.stop()
        if self._http is not None:
            await self._http.stop()
        if self._metrics_http is not None:
            await self._metrics_http.stop()
        await self.runtime.close()
        if self._http is not None and self._http.port is not None:  # a start that failed said why already
            log.info("supportbot stopped")
