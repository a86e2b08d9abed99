"""A fake Slack Socket Mode server: the WebSocket end of Socket Mode, for integration tests.

`FakeSocketMode` is an aiohttp server on 127.0.0.1 (ephemeral port) attached to a
`FakeSlack`, whose ``apps.connections.open`` (app-level token) hands out one-use
``ws://…/link/?ticket=…`` URLs from `issue_url`. On connect it sends ``hello``; then a
test sends envelopes as Slack does and waits for the app's acknowledgement::

    async with FakeSocketMode(fake_slack) as socket:
        ...  # start the bot with socket_mode=True
        await socket.wait_connected()
        ack = await socket.slash("/ticket", "VPN down", trigger_id="t-1")
        assert ack == {"envelope_id": ack["envelope_id"]}    # plus "payload" if ack() had a body

Envelopes (docs.slack.dev, "Using Socket Mode"): ``{"envelope_id", "type":
"slash_commands" | "interactive" | "events_api", "payload", "accepts_response_payload"}``;
events also carry ``retry_attempt`` and ``retry_reason``. The app acknowledges with
``{"envelope_id": …, "payload": {…}?}`` on the same socket. `disconnect` sends
``{"type": "disconnect", "reason": …}``, after which a client opens a new connection.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import event_callback_body, slash_command_body
from tests.waiting import until

__all__ = ["FakeSocketMode"]


class FakeSocketMode:
    """Slack's side of Socket Mode (see the module docstring)."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.acks: dict[str, dict[str, Any]] = {}
        self.received: list[Any] = []  # every message the app sent, parsed
        self.connections_made = 0
        self.connections_closed = 0
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self._root = ""

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._root = f"ws://{host}:{port}"
        self.slack.socket_mode = self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.slack.socket_mode is self:
            self.slack.socket_mode = None

    async def __aenter__(self) -> FakeSocketMode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def issue_url(self) -> str:
        """A fresh one-use WebSocket URL, as apps.connections.open returns."""
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return f"{self._root}/link/?ticket={ticket}&app_id={self.slack.app_id}"

    @property
    def open_connections(self) -> int:
        return sum(1 for ws in self._sockets if not ws.closed)

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` connections were made (and at least one is open)."""
        await self._until(lambda: self.connections_made >= count and self.open_connections > 0,
                          timeout, f"{count} Socket Mode connection(s)")

    async def wait_closed(self, count: int = 1, timeout: float = 5.0) -> None:
        await self._until(lambda: self.connections_closed >= count, timeout, f"{count} closed connection(s)")

    # -- envelopes -----------------------------------------------------------------

    async def send_envelope(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False,
                            **extra: Any) -> str:
        """Send one envelope on the newest open connection; returns its envelope_id."""
        open_sockets = [ws for ws in self._sockets if not ws.closed]
        if not open_sockets:
            raise AssertionError("no open Socket Mode connection to send on")
        envelope_id = str(uuid.uuid4())
        self._waiters[envelope_id] = asyncio.get_running_loop().create_future()
        envelope = {"envelope_id": envelope_id, "payload": payload, "type": kind,
                    "accepts_response_payload": accepts_response_payload, **extra}
        await open_sockets[-1].send_str(json.dumps(envelope))
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """The app's acknowledgement of ``envelope_id`` (Slack waits 3 s for it)."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._waiters[envelope_id]), timeout)
        except TimeoutError:
            raise AssertionError(f"envelope {envelope_id} not acknowledged within {timeout}s; "
                                 f"received: {self.received}") from None

    async def slash(self, command: str, text: str = "", **kw: Any) -> dict[str, Any]:
        """A slash command envelope (keywords as for `slash_command_body`); returns the ack."""
        payload = dict(parse_qsl(slash_command_body(command, text, **kw).decode(), keep_blank_values=True))
        envelope_id = await self.send_envelope("slash_commands", payload, accepts_response_payload=True)
        return await self.wait_for_ack(envelope_id)

    async def interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An interactivity envelope (block_actions, view_submission, shortcuts); returns the ack."""
        accepts = payload.get("type") in ("view_submission", "shortcut", "message_action", "block_suggestion")
        envelope_id = await self.send_envelope("interactive", payload, accepts_response_payload=accepts)
        return await self.wait_for_ack(envelope_id)

    async def event(self, event: dict[str, Any], *, retry_attempt: int = 0, **kw: Any) -> dict[str, Any]:
        """An Events API envelope around ``event`` (keywords as for `event_callback_body`)."""
        payload = json.loads(event_callback_body(event, **kw))
        envelope_id = await self.send_envelope("events_api", payload, retry_attempt=retry_attempt,
                                               retry_reason="timeout" if retry_attempt else "")
        return await self.wait_for_ack(envelope_id)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does before it recycles a connection."""
        for ws in self._sockets:
            if not ws.closed:
                await ws.send_str(json.dumps({"type": "disconnect", "reason": reason,
                                              "debug_info": {"host": "fake-applink"}}))

    # -- the WebSocket -------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid or used ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections_made += 1
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": self.open_connections,
            "debug_info": {"host": "fake-applink", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.slack.app_id},
        }))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            self.connections_closed += 1
        return ws

    def _on_text(self, data: str) -> None:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = data
        self.received.append(parsed)
        if isinstance(parsed, dict) and parsed.get("envelope_id") in self._waiters:
            self.acks[parsed["envelope_id"]] = parsed
            waiter = self._waiters[parsed["envelope_id"]]
            if not waiter.done():
                waiter.set_result(parsed)

    async def _until(self, check: Any, timeout: float, what: str) -> None:
        await until(check, timeout, what=lambda: f"{what} (made {self.connections_made}, "
                                                 f"closed {self.connections_closed})")
