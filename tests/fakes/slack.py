"""A fake Slack Web API over real HTTP, for integration tests.

`FakeSlack` is an aiohttp server on 127.0.0.1 (ephemeral port). The app talks to it
exactly as to Slack: give it ``fake.api_url`` as ``SLACK_API_URL`` /
``AsyncWebClient(base_url=...)``. It checks the bot token, validates arguments as Slack
documents them (see `tests/fakes/slack_methods.py`), keeps a small workspace
(`tests/fakes/slack_state.py`) and records every call::

    async with FakeSlack() as fake:
        ...  # drive the app
        [call] = await fake.wait_for("views.open")
        view = fake.latest_view()
        assert fake.messages("C_TRIAGE")[0]["text"].startswith("#1")

Routes: ``/api/{method}`` (GET or POST; arguments from the query string, a form body
or a JSON body, merged), ``POST /response/{name}`` (a response_url, see
`response_url`), ``POST /upload/{file_id}`` (the upload_url of
files.getUploadURLExternal).

A person acting between two calls of the app (closing a modal, typing in it) is
played with ``after_next(method, action)``, e.g.
``fake.after_next("views.open", lambda answer: fake.close_view(answer["view"]["id"]))``.

Socket Mode: ``apps.connections.open`` takes the app-level token (``app_token``, an
``xapp-`` token; a bot token is ``not_allowed_token_type``) and answers the ws:// URL
of the `FakeSocketMode` attached as ``fake.socket_mode`` (tests/fakes/slack_socket.py).
``auth.test`` sends the granted scopes in ``x-oauth-scopes``, as Slack does: every
scope the manifest asks for, minus ``missing_scopes``.

How slack_sdk 3.48's AsyncWebClient sends: ``chat.postMessage``, ``chat.update``,
``chat.postEphemeral`` and ``views.*`` as a JSON body; most other methods (auth.test,
conversations.*, pins.add, reactions.add, files.*) as POST with the arguments in the
query string and an empty form body; ``chat.getPermalink``, ``conversations.info``,
``conversations.members``, ``users.info`` as GET with a query string. All of these are
accepted, as are form bodies carrying JSON-encoded ``blocks``/``view``/``files``.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from bot.manifest import BOT_SCOPES
from tests.fakes.slack_methods import SlackWebApi
from tests.fakes.slack_state import ApiError
from tests.fakes.slack_views import (
    input_block_by_label,
    validate_message_blocks,
    view_state,
)
from tests.waiting import until

__all__ = ["FakeSlack", "SlackCall", "input_block_by_label", "view_state"]

log = logging.getLogger(__name__)

JSON_ARGS = ("blocks", "attachments", "view", "metadata", "files", "user_auth_blocks")


@dataclass
class SlackCall:
    """One request to ``/api/{method}`` and what the fake answered."""

    method: str
    args: dict[str, Any]
    headers: Mapping[str, str]
    http_method: str = "POST"
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    peer: tuple[str, int] | None = None  # the client's address: one per TCP connection

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    def __str__(self) -> str:
        args = json.dumps(self.args, default=str)
        args = args if len(args) <= 200 else args[:197] + "..."
        outcome = "ok" if self.ok else f"{self.status} {self.response.get('error')}"
        return f"{self.method} [{outcome}] {args}"


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    applied: bool = False


class FakeSlack(SlackWebApi):
    """A fake Slack workspace with one bot, served over HTTP (see the module docstring)."""

    def __init__(
        self,
        bot_token: str = "xoxb-test-token",
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        *,
        first_ts: float = 1_700_000_000.0,
        app_token: str = "xapp-1-A0APP-1-test-token",
        missing_scopes: tuple[str, ...] | list[str] = (),
    ) -> None:
        super().__init__(team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, first_ts=first_ts)
        self.bot_token = bot_token
        self.app_token = app_token
        self.scopes = [scope for scope in BOT_SCOPES if scope not in missing_scopes]
        self.socket_mode: Any = None  # a FakeSocketMode, once one is attached
        self.calls: list[SlackCall] = []
        self.responses: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self._failures: defaultdict[str, list[_Failure]] = defaultdict(list)
        self._after: defaultdict[str, list[Callable[[dict[str, Any]], object]]] = defaultdict(list)
        self._runner: web.AppRunner | None = None
        self._root = ""

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._root = f"http://{host}:{port}/"
        self.base_url = self._root

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Base URL of the Web API, with a trailing slash: ``http://127.0.0.1:PORT/api/``."""
        if not self._root:
            raise RuntimeError("FakeSlack is not started")
        return f"{self._root}api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url whose POSTs land in ``fake.responses[name]``."""
        if not self._root:
            raise RuntimeError("FakeSlack is not started")
        self.responses.setdefault(name, [])
        return f"{self._root}response/{name}"

    def reset(self) -> None:
        """Forget calls, responses, pending failures and the whole workspace state."""
        self.calls.clear()
        self.responses.clear()
        self._failures.clear()
        self._after.clear()
        self._init_state()

    # -- failure injection -----------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        times: int = 1,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail, without any effect.

        With ``error``: HTTP 200 ``{"ok": false, "error": error}``. Otherwise HTTP
        ``status``: 429 answers ``ratelimited`` with a ``Retry-After`` header, 5xx
        ``internal_error``/``service_unavailable``. Failures queue up per method.
        ``applied``: the call does take effect (a channel is created, a message
        posted), only its answer is the failure, as when Slack's answer is lost on the
        way back (a 502 or 504 from a proxy after Slack did the work).
        """
        for _ in range(times):
            self._failures[method].append(_Failure(status, retry_after, error, applied))

    def after_next(self, method: str, action: Callable[[dict[str, Any]], object]) -> None:
        """Run ``action(response_body)`` once, right after the next successful call of
        ``method`` is handled and before the app reads the answer: what a person does
        in between two calls of the app (``close_view``, ``enter_in_view``, or another
        views.update that changes the view's hash). An awaitable it returns is awaited
        before the answer goes out (``lambda _: asyncio.sleep(0.5)``: a slow answer)."""
        self._after[method].append(action)

    # -- recorded calls ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every call of ``method`` so far (failed ones included; see ``SlackCall.ok``)."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Wait until at least ``count`` calls of ``method`` arrived; return them all."""
        def received() -> str:
            listing = "\n  ".join(str(c) for c in self.calls) or "(none)"
            return (f"{count} call(s) to {method} (got {len(self.calls_to(method))}; calls received:\n  "
                    f"{listing}\n)")
        return await until(lambda: len(self.calls_to(method)) >= count and self.calls_to(method), timeout,
                           what=received)

    async def wait_for_response(self, name: str = "r1", count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Wait until at least ``count`` POSTs reached ``response_url(name)``; return them."""
        await until(lambda: len(self.responses[name]) >= count, timeout,
                    what=lambda: f"{count} POST(s) to response_url {name!r} (got {dict(self.responses)})")
        return list(self.responses[name])

    # -- HTTP handlers ----------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args, parse_error = await _read_args(request)
        except ValueError:
            args, parse_error = {}, "invalid_json"
        token = _bearer(request.headers.get("Authorization"))
        form_token = args.pop("token", None)
        status, body, headers = self._answer(method, args, token or form_token, parse_error)
        if method == "auth.test" and body.get("ok"):
            headers = {**headers, "x-oauth-scopes": ",".join(self.scopes)}
        if body.get("ok") and self._after.get(method):
            done = self._after[method].pop(0)(body)
            if inspect.isawaitable(done):  # e.g. asyncio.sleep: Slack is slow to answer
                await done
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.calls.append(SlackCall(method, args, CIMultiDict(request.headers), request.method, status, body,
                                    tuple(peer[:2]) if peer else None))
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, args: dict[str, Any], token: Any, parse_error: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "apps.connections.open":
            return self._connections_open(token)
        handler = self.handlers.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if self._failures.get(method):
            failure = self._failures[method].pop(0)
            if failure.applied and not parse_error:
                try:
                    handler(args)
                except ApiError:
                    pass  # it failed anyway: the answer is the injected failure all the same
            if failure.error:
                return 200, {"ok": False, "error": failure.error}, {}
            if failure.status == 429:
                headers = {"Retry-After": str(1 if failure.retry_after is None else failure.retry_after)}
                return 429, {"ok": False, "error": "ratelimited"}, headers
            error = "service_unavailable" if failure.status == 503 else "internal_error"
            return failure.status, {"ok": False, "error": error}, {}
        if parse_error:
            return 200, {"ok": False, "error": parse_error}, {}
        try:
            return 200, {"ok": True, **handler(args)}, {}
        except ApiError as exc:
            return 200, exc.body, {}
        except Exception as exc:  # a bug in the fake: say so loudly
            log.exception("FakeSlack failed on %s %r", method, args)
            return 500, {"ok": False, "error": "fake_slack_bug", "detail": repr(exc)}, {}

    def _connections_open(self, token: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        """apps.connections.open: app-level token only; the attached socket server's URL."""
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not str(token).startswith("xapp-"):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        if token != self.app_token:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if self.socket_mode is None:  # nothing listens there: connecting fails
            return 200, {"ok": True, "url": "ws://127.0.0.1:9/link/?ticket=no-socket-server"}, {}
        return 200, {"ok": True, "url": self.socket_mode.issue_url()}, {}

    async def _response(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            payload = await request.json()
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="invalid_payload")
        self.responses[name].append(payload)
        if not isinstance(payload, dict):
            return web.Response(status=400, text="invalid_payload")
        if not any(payload.get(k) for k in ("text", "blocks", "attachments", "delete_original")):
            return web.Response(status=400, text="no_text")
        if "blocks" in payload and validate_message_blocks(payload["blocks"]):
            return web.Response(status=400, text="invalid_blocks")
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        entry = self.files.get(request.match_info["file_id"])
        if entry is None:
            return web.Response(status=404, text="file_not_found")
        entry["data"] = await request.read()
        return web.Response(text=f"OK - {len(entry['data'])}", content_type="text/plain")


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header[len("Bearer "):].strip()
    return None


async def _read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Merge query string, form and JSON body; decode JSON-encoded nested arguments."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            data = json.loads(raw) if raw.strip() else {}
            if not isinstance(data, dict):
                return args, "invalid_json"
            args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                args[key] = value.file.read() if isinstance(value, web.FileField) else value
        else:
            return args, "invalid_post_type"
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                return args, "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
    return args, None
