"""One running supportbot: migrations, knowledge base, scheduler, Bolt app and HTTP server, in order
(and, with ``socket_mode=True``, the Socket Mode connection Slack's requests come over)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.app import build_bolt_app
from bot.config_roles import OPEN_BY_DEFAULT
from bot.database import upgrade_database
from bot.jobs import declare_event_replay, declare_jobs
from bot.runtime import Runtime
from bot.server import HttpServer, build_web_app
from bot.socket_mode import SocketModeConnection, SocketModeError
from workflows.kb_index import reindex_knowledge_base

log = logging.getLogger(__name__)


class Service:
    def __init__(self, runtime: Runtime, *, host: str = "0.0.0.0", port: int = 3000, timers: bool = True,
                 socket_mode: bool = False) -> None:
        """``timers=False`` (tests that drive time by hand) starts no sweeps or wake-ups.
        ``socket_mode=True``: Slack's requests arrive over Socket Mode (``SLACK_APP_TOKEN``)
        and ``POST /slack/events`` is not served; the other routes still are."""
        self.runtime = runtime
        self._timers = timers
        self._socket_mode = socket_mode
        self._socket: SocketModeConnection | None = None
        self._host = host
        self._port = port
        self._http: HttpServer | None = None
        self.bolt_app: AsyncApp | None = None

    @property
    def port(self) -> int:
        assert self._http is not None and self._http.port is not None, "service not started"
        return self._http.port

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
        web_app = build_web_app(self.runtime, bolt_app, slack_events_route=not self._socket_mode)
        self._http = HttpServer(web_app, host=self._host, port=self._port)
        await self._http.start()
        log.info("supportbot listening on %s:%s", self._host, self.port)
        if self.runtime.config.roles is None:
            log.warning("%s", OPEN_BY_DEFAULT)
        if not self.runtime.settings.pagerduty_webhook_secret:
            log.warning("POST /pagerduty/webhook is off (every request refused) until PAGERDUTY_WEBHOOK_SECRET is set")

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
        await self.runtime.close()
        log.info("supportbot stopped")
