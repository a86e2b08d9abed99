"""``POST /pagerduty/webhook``: PagerDuty v3 webhooks.

PagerDuty sends one event per request, ``{"event": {"id", "event_type",
"resource_type", "occurred_at", "agent", "data": {…incident…}}}``, at least once, and
wants a 2xx within 5 seconds. We:

1. refuse bodies over 1 MiB (413);
2. check ``X-PagerDuty-Signature``: one or more comma-separated ``v1=<hex HMAC-SHA256 of
   the raw body>`` (several while a secret is being rotated); any match passes, compared
   in constant time; otherwise 401. Without ``PAGERDUTY_WEBHOOK_SECRET`` nothing can be
   verified, so every request is refused (401): dedup keys are guessable, and an
   unverified webhook could acknowledge or resolve a live page;
3. refuse a body that is not a JSON event, or nests JSON more than 64 levels deep (400;
   ``bot.json_limits``);
4. record ``X-Webhook-Id`` (prefixed ``pd:``) and apply ``incident.acknowledged`` /
   ``incident.resolved`` to the page whose dedup key is ``event.data.incident_key`` in
   one transaction, then answer 200 and re-render the Slack mirrors in the background.
   Other event types (``pagey.ping`` …) and keys that are not ours are answered 200
   and ignored. Nothing is sent back to PagerDuty for them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.json_limits import JsonTooDeep, load_json
from bot.runtime import Runtime
from workflows.paging.actions import record_pagerduty_event
from workflows.paging.mirrors import refresh_page_mirrors

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "signature_matches", "pagerduty_webhook_route"]

MAX_BODY_BYTES = 1024 * 1024
SIGNATURE_HEADER = "X-PagerDuty-Signature"
WEBHOOK_ID_HEADER = "X-Webhook-Id"
WEBHOOK_ID_MAX = 200  # PagerDuty's are UUIDs; each is stored once ("pd:<id>", 255 at most)
#: Our dedup keys (``supportbot-ticket-<N>``) are printable ASCII; another key cannot be ours.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
AGENT_MAX = 200  # the name shown in Slack ("Acknowledged in PagerDuty by …")


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """True when one of the header's ``v1=`` signatures is the HMAC of ``body``."""
    if not header:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    matched = False
    for part in header.split(","):
        version, _, signature = part.strip().partition("=")
        if version == "v1" and signature:
            # Compare every candidate (no early exit), each in constant time.
            matched |= hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
    return matched


def _event(body: bytes) -> dict[str, Any] | str:
    """The body's event, or why the body is not a PagerDuty event."""
    try:
        payload = load_json(body)
    except JsonTooDeep as error:
        return f"malformed webhook: {error}"
    except ValueError:
        return "malformed webhook: the body is not JSON"
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
        return "malformed webhook: expected a JSON object with an event"
    return event


def _incident_key(data: dict[str, Any]) -> str | None:
    key = data.get("incident_key")
    return key if isinstance(key, str) and _KEY.fullmatch(key) else None


def _agent(event: dict[str, Any]) -> str | None:
    """Who acted in PagerDuty, as text a database stores (no NUL, no lone surrogate), capped."""
    agent = event.get("agent")
    if not isinstance(agent, dict):
        return None
    name = str(agent.get("summary") or agent.get("name") or agent.get("id") or "")
    name = "".join(c for c in name[:AGENT_MAX * 2] if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
    return name[:AGENT_MAX] or None


def pagerduty_webhook_route(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of ``POST /pagerduty/webhook`` for ``runtime``."""

    async def pagerduty_webhook(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
        body = await request.read()  # 413 past the application's client_max_size
        secret = runtime.settings.pagerduty_webhook_secret
        if not secret:
            log.warning("PagerDuty webhook refused: PAGERDUTY_WEBHOOK_SECRET is not set")
            return web.json_response({"error": "webhook disabled: PAGERDUTY_WEBHOOK_SECRET is not set"}, status=401)
        if not signature_matches(secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("PagerDuty webhook refused: signature does not match")
            return web.json_response({"error": "invalid signature"}, status=401)
        delivery_id = request.headers.get(WEBHOOK_ID_HEADER) or None
        if delivery_id is not None and len(delivery_id) > WEBHOOK_ID_MAX:
            return web.json_response({"error": "malformed webhook: X-Webhook-Id is too long"}, status=400)
        event = _event(body)
        if isinstance(event, str):
            return web.json_response({"error": event}, status=400)
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        incident_key = _incident_key(data)
        page_id = await record_pagerduty_event(
            deps=runtime.deps, delivery_id=delivery_id,
            event_type=event["event_type"], incident_key=incident_key, agent=_agent(event),
        )
        if page_id is not None:
            runtime.spawn(refresh_page_mirrors(deps=runtime.deps, page_id=page_id))
        return web.json_response({"ok": True, "applied": page_id is not None})

    return pagerduty_webhook
