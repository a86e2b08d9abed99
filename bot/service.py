"""One running supportbot: migrations, scheduler, Bolt app and HTTP server, in order."""

from __future__ import annotations

import logging

from bot.app import build_bolt_app
from bot.database import upgrade_database
from bot.jobs import declare_jobs
from bot.runtime import Runtime
from bot.server import HttpServer, build_web_app

log = logging.getLogger(__name__)


class Service:
    def __init__(self, runtime: Runtime, *, host: str = "0.0.0.0", port: int = 3000, timers: bool = True) -> None:
        """``timers=False`` (tests that drive time by hand) starts no sweeps or wake-ups."""
        self.runtime = runtime
        self._timers = timers
        self._host = host
        self._port = port
        self._http: HttpServer | None = None

    @property
    def port(self) -> int:
        assert self._http is not None and self._http.port is not None, "service not started"
        return self._http.port

    async def start(self) -> None:
        """Bring the schema up to date, start the scheduler, then listen."""
        await upgrade_database(self.runtime.engine)
        self.runtime.scheduler.start()
        if self._timers:
            declare_jobs(self.runtime)
        bolt_app = build_bolt_app(self.runtime)
        self._http = HttpServer(build_web_app(self.runtime, bolt_app), host=self._host, port=self._port)
        await self._http.start()
        log.info("supportbot listening on %s:%s", self._host, self.port)

    async def stop(self) -> None:
        """Stop listening (in-flight requests finish), stop the scheduler, dispose the DB."""
        if self._http is not None:
            await self._http.stop()
        await self.runtime.close()
        log.info("supportbot stopped")
