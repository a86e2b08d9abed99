"""A fake PagerDuty over real HTTP: Events API v2 and REST ``GET /oncalls``, for tests.

`FakePagerDuty` is an aiohttp server on 127.0.0.1 (ephemeral port); the bot gets its
URL as ``PAGERDUTY_EVENTS_URL`` and ``PAGERDUTY_API_URL`` (it appends ``/v2/enqueue``
and ``/oncalls``). It checks requests as PagerDuty documents them and records them::

    async with FakePagerDuty(routing_key="R0KEY") as pd:
        pd.fail_next(status=503, times=3)            # then 202
        ...
        [event] = pd.accepted("trigger")
        assert event["payload"]["severity"] == "error"

``POST /v2/enqueue`` (developer.pagerduty.com, "Send an Alert Event"): ``routing_key``
must be the configured one; ``event_action`` trigger, acknowledge or resolve;
``dedup_key`` (≤ 255 characters) required for acknowledge and resolve; a trigger needs
``payload.summary`` (1–1024 characters), ``payload.source``, ``payload.severity``
(critical, error, warning, info) and — our contract, since the client cannot build one
— ``payload.timestamp`` (ISO 8601). Invalid: 400 ``{"status": "invalid event",
"message": "Event object is invalid", "errors": [...]}``. Accepted: 202 ``{"status":
"success", "message": "Event processed", "dedup_key": ...}``.

``GET /oncalls`` (developer.pagerduty.com, "List all of the on-calls") needs
``Authorization: Token token=<api_token>`` (else 401) and filters ``fake.oncalls`` (see
`oncall_entry`) by ``schedule_ids[]``, ``escalation_policy_ids[]`` and the
``since``/``until`` window (``since`` after ``until``: 400). ``include[]=users`` expands
each ``user`` reference into the user object (``name``, ``email``, ``time_zone``…);
``limit`` (at most 100) and ``offset`` page the answer (``more``). ``fail_oncalls(status,
times)`` answers the next look-ups with 500/503 (PagerDuty down) or 429.

``GET /abilities`` (same authentication) answers ``{"abilities": fake.abilities}``: the
read-only call ``supportbot doctor`` makes to test the REST token.

Webhooks go the other way: `incident_webhook` builds a v3 payload as PagerDuty sends
it, `webhook_signature` its ``X-PagerDuty-Signature`` header.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.waiting import until

__all__ = ["FakePagerDuty", "PdCall", "oncall_entry", "incident_webhook", "webhook_signature"]

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")


@dataclass
class PdCall:
    """One request to the fake and what it answered."""

    path: str
    body: Any
    headers: dict[str, str]
    status: int
    response: Any = field(default=None)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _event_errors(event: Any, routing_key: str) -> list[str]:
    if not isinstance(event, dict):
        return ["Event object must be a JSON object"]
    errors = []
    if event.get("routing_key") != routing_key:
        errors.append("'routing_key' is invalid")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not key:
        errors.append("'dedup_key' is required for acknowledge and resolve events")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return errors + ["'payload' is missing or not an object"]
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary:
            errors.append("'payload.summary' is missing")
        elif len(summary) > 1024:
            errors.append("'payload.summary' must be at most 1024 characters")
        if not isinstance(payload.get("source"), str) or not payload.get("source"):
            errors.append("'payload.source' is missing")
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' must be one of critical, error, warning, info")
        if _parse_time(payload.get("timestamp")) is None:
            errors.append("'payload.timestamp' must be an ISO 8601 date and time")
        if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
            errors.append("'payload.custom_details' must be an object")
    return errors


class FakePagerDuty:
    def __init__(self, *, routing_key: str = "R0TESTROUTINGKEY0000000000000000",
                 api_token: str = "pd-api-token") -> None:
        self.routing_key = routing_key
        self.api_token = api_token
        self.calls: list[PdCall] = []
        self.oncalls: list[dict[str, Any]] = []
        self.abilities: list[str] = ["teams", "read_only_users", "urgencies"]
        self._failures: list[int] = []
        self._oncall_failures: list[int] = []
        self.delay = 0.0  # seconds each Events v2 answer waits (to overlap concurrent senders)
        self._runner: web.AppRunner | None = None
        self._root = ""

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v2/enqueue", self._enqueue)
        app.router.add_get("/oncalls", self._oncalls)
        app.router.add_get("/abilities", self._abilities)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._root = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakePagerDuty:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for both ``PAGERDUTY_EVENTS_URL`` and ``PAGERDUTY_API_URL``."""
        if not self._root:
            raise RuntimeError("FakePagerDuty is not started")
        return self._root

    # -- failure injection and inspection ------------------------------------------

    def fail_next(self, *, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` Events v2 requests with ``status`` (429 or 5xx), no effect."""
        self._failures.extend([status] * times)

    def fail_oncalls(self, *, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` ``GET /oncalls`` with ``status`` (PagerDuty unreachable)."""
        self._oncall_failures.extend([status] * times)

    def oncall_calls(self) -> list[PdCall]:
        return [c for c in self.calls if c.path == "/oncalls"]

    def event_calls(self) -> list[PdCall]:
        """Every ``POST /v2/enqueue``, failed ones included."""
        return [c for c in self.calls if c.path == "/v2/enqueue"]

    def accepted(self, action: str | None = None, dedup_key: str | None = None) -> list[dict[str, Any]]:
        """Events answered 202, optionally of one action and dedup_key."""
        return [c.body for c in self.event_calls() if c.status == 202
                and (action is None or c.body.get("event_action") == action)
                and (dedup_key is None or c.body.get("dedup_key") == dedup_key)]

    async def wait_for(self, count: int, action: str | None = None, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least ``count`` events (of ``action``) were accepted."""
        def got() -> str:
            calls = [(c.status, (c.body or {}).get("event_action")) for c in self.event_calls()]
            return f"{count} accepted {action or 'event'}(s) (got {calls})"
        await until(lambda: len(self.accepted(action)) >= count, timeout, what=got)
        return self.accepted(action)

    # -- handlers --------------------------------------------------------------------

    async def _enqueue(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        try:
            event = json.loads(raw)
        except ValueError:
            event = None
        status, answer = self._answer_event(event, request.content_type)
        self.calls.append(PdCall("/v2/enqueue", event, dict(request.headers), status, answer))
        if isinstance(answer, str):
            return web.Response(status=status, text=answer)
        return web.json_response(answer, status=status)

    def _answer_event(self, event: Any, content_type: str) -> tuple[int, Any]:
        if self._failures:
            status = self._failures.pop(0)
            if status == 429:
                return 429, {"status": "throttle event",
                             "message": "Requests for this service are arriving too quickly. Please retry later."}
            return status, "Internal Server Error" if status == 500 else "Service Unavailable"
        if content_type != "application/json":
            return 400, {"status": "invalid event", "message": "Event object is invalid",
                         "errors": ["Content-Type must be application/json"]}
        errors = _event_errors(event, self.routing_key)
        if errors:
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        return 202, {"status": "success", "message": "Event processed",
                     "dedup_key": event.get("dedup_key") or uuid.uuid4().hex}

    async def _oncalls(self, request: web.Request) -> web.Response:
        query = request.query
        if request.headers.get("Authorization") != f"Token token={self.api_token}":
            answer: dict[str, Any] = {"error": {"message": "Authentication required", "code": 2006}}
            self.calls.append(PdCall("/oncalls", dict(query), dict(request.headers), 401, answer))
            return web.json_response(answer, status=401)
        asked = {k: query.getall(k) for k in query}
        if self._oncall_failures:
            status = self._oncall_failures.pop(0)
            self.calls.append(PdCall("/oncalls", asked, dict(request.headers), status, None))
            return web.Response(status=status, text="Service Unavailable")
        schedules = query.getall("schedule_ids[]", [])
        policies = query.getall("escalation_policy_ids[]", [])
        since, until = _parse_time(query.get("since")), _parse_time(query.get("until"))
        try:
            limit, offset = min(int(query.get("limit", "25")), 100), int(query.get("offset", "0"))
        except ValueError:
            limit, offset = -1, -1
        if (since and until and since > until) or limit < 1 or offset < 0:
            answer = {"error": {"message": "Invalid Input Provided", "code": 2001,
                                "errors": ["since must be before until; limit 1-100; offset >= 0"]}}
            self.calls.append(PdCall("/oncalls", asked, dict(request.headers), 400, answer))
            return web.json_response(answer, status=400)
        found = [o for o in self.oncalls
                 if (not schedules or (o.get("schedule") or {}).get("id") in schedules)
                 and (not policies or (o.get("escalation_policy") or {}).get("id") in policies)
                 and _overlaps(o, since, until)]
        expand = "users" in query.getall("include[]", [])
        page = [_expanded(o) if expand else _referenced(o) for o in found[offset:offset + limit]]
        answer = {"oncalls": page, "limit": limit, "offset": offset, "more": offset + limit < len(found),
                  "total": None}
        self.calls.append(PdCall("/oncalls", asked, dict(request.headers), 200, answer))
        return web.json_response(answer)

    async def _abilities(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Token token={self.api_token}":
            answer: dict[str, Any] = {"error": {"message": "Authentication required", "code": 2006}}
            self.calls.append(PdCall("/abilities", {}, dict(request.headers), 401, answer))
            return web.json_response(answer, status=401)
        answer = {"abilities": list(self.abilities)}
        self.calls.append(PdCall("/abilities", {}, dict(request.headers), 200, answer))
        return web.json_response(answer)


def _referenced(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as listed without ``include[]=users``: the user is a reference."""
    user = {k: v for k, v in (entry.get("user") or {}).items() if k in ("id", "type", "summary", "self", "html_url")}
    return {**entry, "user": {**user, "type": "user_reference"}}


def _expanded(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry with ``include[]=users``: the user object itself."""
    user = dict(entry.get("user") or {})
    user["type"] = "user"
    user.setdefault("name", user.get("summary"))
    return {**entry, "user": user}


def _overlaps(entry: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    start, end = _parse_time(entry.get("start")), _parse_time(entry.get("end"))
    if until is not None and start is not None and start >= until:
        return False
    return not (since is not None and end is not None and end <= since)


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z") if when else None


def oncall_entry(name: str, *, level: int, start: datetime | None, end: datetime | None,
                 schedule_id: str | None = "PSCHED1", policy_id: str = "PPOLICY1", user_id: str | None = None,
                 email: str | None = None) -> dict:
    """One entry of ``GET /oncalls`` as PagerDuty returns it (``email``: the user's, shown
    with ``include[]=users``; default ``<name>@example.com``)."""
    uid = user_id or "P" + uuid.uuid5(uuid.NAMESPACE_DNS, name).hex[:6].upper()
    email = email or name.lower().replace(" ", ".") + "@example.com"
    return {
        "escalation_policy": {"id": policy_id, "type": "escalation_policy_reference", "summary": "Support"},
        "escalation_level": level,
        "schedule": ({"id": schedule_id, "type": "schedule_reference", "summary": "Support rota"}
                     if schedule_id else None),
        "user": {"id": uid, "type": "user_reference", "summary": name, "name": name, "email": email,
                 "time_zone": "America/New_York", "html_url": f"https://acme.pagerduty.com/users/{uid}",
                 "self": f"https://api.pagerduty.com/users/{uid}"},
        "start": _iso(start),
        "end": _iso(end),
    }


def incident_webhook(event_type: str, incident_key: str, *, agent: str = "Jane Responder",
                     occurred_at: datetime | None = None) -> bytes:
    """A v3 webhook body for an incident event (developer.pagerduty.com, Webhooks v3)."""
    status = {"incident.acknowledged": "acknowledged", "incident.resolved": "resolved"}.get(event_type, "triggered")
    body = {"event": {
        "id": uuid.uuid4().hex,
        "event_type": event_type,
        "resource_type": "incident",
        "occurred_at": _iso(occurred_at or datetime.now(UTC)),
        "agent": {"html_url": "https://acme.pagerduty.com/users/PAGENT1", "id": "PAGENT1",
                  "self": "https://api.pagerduty.com/users/PAGENT1", "summary": agent, "type": "user_reference"},
        "client": {"name": "PagerDuty"},
        "data": {
            "id": "PINC123", "type": "incident", "self": "https://api.pagerduty.com/incidents/PINC123",
            "html_url": "https://acme.pagerduty.com/incidents/PINC123", "number": 7, "status": status,
            "incident_key": incident_key, "created_at": "2026-11-25T15:00:00Z", "title": "Support page",
            "service": {"id": "PSERV01", "type": "service_reference", "summary": "Support"},
            "assignees": [], "urgency": "high", "resolve_reason": None,
        },
    }}
    return json.dumps(body).encode()


def webhook_signature(body: bytes, *secrets: str) -> str:
    """``X-PagerDuty-Signature``: one ``v1=`` HMAC-SHA256 per secret, comma-separated."""
    return ",".join("v1=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)
