"""A fake Atlassian Statuspage REST API v1 over real HTTP, for tests.

`FakeStatuspage` is an aiohttp server on 127.0.0.1 (ephemeral port); the bot gets its URL
as ``STATUSPAGE_API_URL`` (it appends ``/v1/…``) and its key as ``STATUSPAGE_API_KEY``.
It checks requests as Statuspage documents them (developer.statuspage.io) and records
them::

    async with FakeStatuspage(page_id="kctbh9vrtdwd", components=["8kbf7d35c070"]) as sp:
        sp.fail_next(status=503, times=2)       # then it answers as usual
        ...
        [incident] = sp.incidents.values()
        assert incident["status"] == "resolved"

Every call needs ``Authorization: OAuth <api_key>`` (else 401 ``{"error": ...}``) and a
known page id (else 404). Writes send JSON ``{"incident": {...}}``:

- ``POST /v1/pages/{page_id}/incidents`` (create an incident): ``name`` required (1–255
  characters), ``status`` one of investigating, identified, monitoring, resolved; optional
  ``body`` (the first incident update), ``component_ids`` (a list of the page's component
  ids), ``components`` (an object: component id -> operational, under_maintenance,
  degraded_performance, partial_outage or major_outage), ``deliver_notifications``
  (boolean), ``metadata`` (an object of objects), ``impact_override`` (none, minor, major,
  critical). 201 with the incident.
- ``PATCH /v1/pages/{page_id}/incidents/{incident_id}`` (update an incident): the same
  fields, all optional (a ``body`` adds an incident update); 404 for an unknown incident.
  200 with the incident.
- ``GET /v1/pages/{page_id}/incidents/unresolved``: the incidents not resolved.
- ``GET /v1/pages/{page_id}``: the page (``supportbot doctor``).

Anything else in ``incident`` (a misspelt field), a wrong type or an unknown component is
422 ``{"error": ...}``. ``fail_next(status, times)`` answers the next writes with 503/500/
429/420/401 without doing anything; ``lose_answers(times)`` does the next writes but
answers 504 (the answer lost on the way back).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

__all__ = ["COMPONENT_STATUSES", "FakeStatuspage", "INCIDENT_STATUSES", "SpCall"]

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
IMPACTS = ("none", "minor", "major", "critical")
FIELDS = frozenset({"name", "status", "body", "component_ids", "components", "deliver_notifications", "metadata",
                    "impact_override"})


@dataclass
class SpCall:
    """One request to the fake and what it answered."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    status: int
    response: Any = field(default=None)


class FakeStatuspage:
    def __init__(self, *, page_id: str = "kctbh9vrtdwd", api_key: str = "sp-api-key",
                 components: list[str] | tuple[str, ...] = ("8kbf7d35c070", "9kbf7d35c071")) -> None:
        self.page_id = page_id
        self.api_key = api_key
        self.components: dict[str, str] = {c: "operational" for c in components}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.calls: list[SpCall] = []
        self._failures: list[int] = []
        self._lost = 0
        self._runner: web.AppRunner | None = None
        self._root = ""

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/pages/{page_id}", self._page)
        app.router.add_post("/v1/pages/{page_id}/incidents", self._create)
        app.router.add_get("/v1/pages/{page_id}/incidents/unresolved", self._unresolved)
        app.router.add_patch("/v1/pages/{page_id}/incidents/{incident_id}", self._update)
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

    async def __aenter__(self) -> FakeStatuspage:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``STATUSPAGE_API_URL``."""
        if not self._root:
            raise RuntimeError("FakeStatuspage is not started")
        return self._root

    # -- failure injection and inspection ------------------------------------------

    def fail_next(self, *, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` writes (POST, PATCH) with ``status``, changing nothing."""
        self._failures.extend([status] * times)

    def lose_answers(self, times: int = 1) -> None:
        """Do the next ``times`` writes, but answer 504 as a proxy would when the answer was lost."""
        self._lost += times

    def writes(self, method: str | None = None) -> list[SpCall]:
        """POSTs and PATCHes (of ``method``), failed ones included."""
        return [c for c in self.calls if c.method in ("POST", "PATCH") and (method is None or c.method == method)]

    async def wait_for(self, count: int, method: str | None = None, timeout: float = 5.0) -> list[SpCall]:
        """Wait until at least ``count`` writes (of ``method``) were answered 2xx."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(ok := [c for c in self.writes(method) if c.status < 300]) < count:
            if loop.time() >= deadline:
                raise AssertionError(f"expected {count} {method or 'write'}(s), got "
                                     f"{[(c.method, c.status) for c in self.writes()]}")
            await asyncio.sleep(0.01)
        return ok

    # -- handlers --------------------------------------------------------------------

    def _refusal(self, request: web.Request) -> tuple[int, dict[str, Any]] | None:
        if request.headers.get("Authorization") != f"OAuth {self.api_key}":
            return 401, {"error": "Could not authenticate"}
        if request.match_info["page_id"] != self.page_id:
            return 404, {"error": "The page could not be found"}
        return None

    async def _respond(self, request: web.Request, body: Any, status: int, answer: Any) -> web.Response:
        self.calls.append(SpCall(request.method, request.path, body, dict(request.headers), status, answer))
        if isinstance(answer, str):
            return web.Response(status=status, text=answer)
        return web.json_response(answer, status=status)

    async def _page(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused:
            return await self._respond(request, None, *refused)
        return await self._respond(request, None, 200, {"id": self.page_id, "name": "Acme Status",
                                                        "subdomain": "acme", "time_zone": "Etc/UTC"})

    async def _unresolved(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused:
            return await self._respond(request, None, *refused)
        found = [i for i in self.incidents.values() if i["status"] != "resolved"]
        return await self._respond(request, None, 200, found)

    async def _write(self, request: web.Request, incident_id: str | None) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        refused = self._refusal(request)
        if refused:
            return await self._respond(request, body, *refused)
        if self._failures:
            status = self._failures.pop(0)
            answer: Any = {"error": "Rate limited"} if status in (420, 429) else \
                {"error": "Could not authenticate"} if status == 401 else "Service Unavailable"
            return await self._respond(request, body, status, answer)
        if request.content_type != "application/json" or not isinstance(body, dict) \
                or not isinstance(body.get("incident"), dict) or set(body) != {"incident"}:
            return await self._respond(request, body, 400, {"error": "incident is missing"})
        fields = body["incident"]
        existing = self.incidents.get(incident_id) if incident_id is not None else None
        if incident_id is not None and existing is None:
            return await self._respond(request, body, 404, {"error": "The incident could not be found"})
        errors = self._errors(fields, create=incident_id is None)
        if errors:
            return await self._respond(request, body, 422, {"error": "; ".join(errors)})
        incident = self._apply(fields, existing)
        status = 201 if existing is None else 200
        if self._lost:
            self._lost -= 1
            return await self._respond(request, body, 504, "Gateway Timeout")
        return await self._respond(request, body, status, incident)

    async def _create(self, request: web.Request) -> web.Response:
        return await self._write(request, None)

    async def _update(self, request: web.Request) -> web.Response:
        return await self._write(request, request.match_info["incident_id"])

    def _errors(self, fields: dict[str, Any], *, create: bool) -> list[str]:
        errors = [f"unknown field incident[{k}]" for k in fields if k not in FIELDS]
        name = fields.get("name")
        if create and name is None:
            errors.append("incident[name] is required")
        if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 255):
            errors.append("incident[name] must be 1-255 characters")
        if "status" in fields and fields["status"] not in INCIDENT_STATUSES:
            errors.append(f"incident[status] must be one of {', '.join(INCIDENT_STATUSES)}")
        if "body" in fields and not isinstance(fields["body"], str):
            errors.append("incident[body] must be a string")
        ids = fields.get("component_ids", [])
        if not isinstance(ids, list) or any(i not in self.components for i in ids):
            errors.append("incident[component_ids] must list the page's components")
        statuses = fields.get("components", {})
        if not isinstance(statuses, dict) or any(k not in self.components or v not in COMPONENT_STATUSES
                                                 for k, v in statuses.items()):
            errors.append("incident[components] must map the page's components to a component status")
        if "deliver_notifications" in fields and not isinstance(fields["deliver_notifications"], bool):
            errors.append("incident[deliver_notifications] must be a boolean")
        metadata = fields.get("metadata", {})
        if not isinstance(metadata, dict) or any(not isinstance(v, dict) for v in metadata.values()):
            errors.append("incident[metadata] must be an object of objects")
        if "impact_override" in fields and fields["impact_override"] not in IMPACTS:
            errors.append("incident[impact_override] is invalid")
        return errors

    def _apply(self, fields: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat()
        if existing is None:
            incident_id = uuid.uuid4().hex[:12]
            existing = self.incidents[incident_id] = {
                "id": incident_id, "page_id": self.page_id, "name": fields["name"], "status": "investigating",
                "impact": "none", "shortlink": f"https://stspg.io/{incident_id[:6]}", "created_at": now,
                "resolved_at": None, "metadata": {}, "components": [], "incident_updates": []}
        for key in ("name", "status", "metadata"):
            if key in fields:
                existing[key] = fields[key]
        self.components.update(fields.get("components", {}))
        affected = list(dict.fromkeys([*(c["id"] for c in existing["components"]), *fields.get("component_ids", []),
                                       *fields.get("components", {})]))
        existing["components"] = [{"id": c, "status": self.components[c]} for c in affected]
        if existing["status"] == "resolved" and existing["resolved_at"] is None:
            existing["resolved_at"] = now
        if fields.get("body"):
            existing["incident_updates"].append({"body": fields["body"], "status": existing["status"],
                                                 "created_at": now,
                                                 "deliver_notifications": fields.get("deliver_notifications", True)})
        existing["updated_at"] = now
        return json.loads(json.dumps(existing))
