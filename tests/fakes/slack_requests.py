"""Requests as Slack sends them to the app: signed bodies, payload builders, a sender.

Slack signs each request with the app's signing secret: ``X-Slack-Signature`` is
``v0=`` + hex HMAC-SHA256 of ``v0:{X-Slack-Request-Timestamp}:{raw body}``. Slash
commands arrive form-encoded; interactivity (block_actions, view_submission,
shortcuts) as a form with one field ``payload=<json>``; the Events API as JSON.

    sender = SlackSender(bot_url, SIGNING_SECRET)
    reply = await sender.slash("/ticket", "VPN down", trigger_id="t-1")
    assert reply.status == 200
    reply = await sender.interactive(view_submission_payload(view, state, user_id="U0REPORTER"))
    reply = await sender.event(fake.add_message("C_TIER1", "on it", user="U0AGENT", thread_ts=ts))

The builders default every URL Slack would give (``response_url``) to an unreachable
loopback address, so an app that answers there without a test asking for it fails
fast instead of reaching the internet; pass ``fake.response_url("r1")`` to capture.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDict

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "fake"
APP_ID = "A0APP"
BOT_USER_ID = "U0BOT"
VERIFICATION_TOKEN = "verification-token"  # deprecated by Slack, still sent
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response-url-not-set"

_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A unique trigger_id shaped like Slack's (``12345.98765.abcd…``)."""
    return f"{10000 + next(_counter)}.98765.{uuid.uuid4().hex[:16]}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body`` (timestamp: now, unless given)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


# -- bodies ------------------------------------------------------------------------


def slash_command_body(
    command: str,
    text: str,
    *,
    user_id: str = "U0REPORTER",
    channel_id: str = "C0GENERAL",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str = UNSET_RESPONSE_URL,
    user_name: str | None = None,
    channel_name: str | None = None,
) -> bytes:
    """A slash command, form-encoded with every field Slack sends."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id.lower(),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """An interactivity request body: ``payload=<json>``, form-encoded."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_callback_body(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    bot_user_id: str = BOT_USER_ID,
) -> bytes:
    """An Events API ``event_callback`` envelope (JSON) around ``event``."""
    stamp = event.get("event_ts") or event.get("ts")
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(float(stamp)) if stamp else int(time.time()),
        "authorizations": [{
            "enterprise_id": None, "team_id": team_id, "user_id": bot_user_id,
            "is_bot": True, "is_enterprise_install": False,
        }],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope).encode()


def url_verification_body(challenge: str) -> bytes:
    """The Events API handshake Slack sends when the request URL is configured."""
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge,
                       "type": "url_verification"}).encode()


# -- payloads -----------------------------------------------------------------------


def _user(user_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _envelope(kind: str, user_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "token": VERIFICATION_TOKEN,
        "api_app_id": APP_ID,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _find_element(blocks: list[dict], action_id: str) -> tuple[str | None, dict | None]:
    for block in blocks:
        elements = list(block.get("elements") or [])
        elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for el in elements:
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return block.get("block_id"), el
    return None, None


def block_actions_payload(
    action_id: str,
    value: str | None,
    *,
    user_id: str,
    channel_id: str | None = None,
    message_ts: str | None = None,
    block_id: str | None = None,
    trigger_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload: a click on a button (or a select) in a message or view.

    With ``message`` (e.g. ``fake.message(channel, ts)``) or ``view``, the element is
    looked up by ``action_id`` to fill in its block_id, type and text as Slack does.
    """
    blocks = (message or view or {}).get("blocks") or []
    found_block, element = _find_element(blocks, action_id)
    element = element or {"type": "button", "text": {"type": "plain_text", "text": action_id}}
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id or found_block or "fake-block",
        "type": element["type"],
        "action_ts": _action_ts(),
    }
    if element["type"] == "button":
        action.update(text=copy.deepcopy(element.get("text")), value=value)
        if element.get("style"):
            action["style"] = element["style"]
    elif element["type"] in ("static_select", "external_select", "overflow", "radio_buttons"):
        option = next((o for o in element.get("options") or [] if o.get("value") == value), None)
        action["selected_option"] = option or {"text": {"type": "plain_text", "text": value}, "value": value}
    elif element["type"] == "users_select":
        action["selected_user"] = value
    else:
        action["value"] = value
    payload = _envelope("block_actions", user_id)
    payload.update(trigger_id=trigger_id or new_trigger_id(), actions=[action], state={"values": {}})
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = copy.deepcopy(view)
    else:
        ts = message_ts or (message or {}).get("ts")
        payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel_id,
                                "is_ephemeral": False}
        payload["channel"] = {"id": channel_id, "name": (channel_id or "").lower()}
        payload["message"] = copy.deepcopy(message) if message is not None else {
            "type": "message", "ts": ts, "user": BOT_USER_ID, "text": "", "blocks": []}
        payload["response_url"] = response_url or UNSET_RESPONSE_URL
    if channel_id and view is not None:
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
    return payload


def view_submission_payload(
    view: dict[str, Any],
    state_values: dict[str, Any],
    *,
    user_id: str,
    private_metadata: str | None = None,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` with the view Slack echoes back (id, callback_id,
    private_metadata, blocks, state.values = ``state_values``, e.g. from ``view_state``)."""
    echoed = copy.deepcopy(view)
    echoed.setdefault("id", f"V{uuid.uuid4().hex[:10].upper()}")
    echoed.setdefault("team_id", TEAM_ID)
    echoed.setdefault("callback_id", "")
    echoed.setdefault("external_id", "")
    echoed.setdefault("hash", f"{int(time.time())}.{uuid.uuid4().hex[:8]}")
    echoed.setdefault("root_view_id", echoed["id"])
    echoed.setdefault("previous_view_id", None)
    echoed.setdefault("app_id", APP_ID)
    echoed["private_metadata"] = (private_metadata if private_metadata is not None
                                  else echoed.get("private_metadata") or "")
    echoed["state"] = {"values": copy.deepcopy(state_values)}
    payload = _envelope("view_submission", user_id)
    payload.update(trigger_id=trigger_id or new_trigger_id(), view=echoed, response_urls=[])
    return payload


def message_shortcut_payload(
    callback_id: str,
    *,
    user_id: str,
    channel_id: str,
    message: dict[str, Any],
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A ``message_action`` payload: a message shortcut chosen on ``message``."""
    payload = _envelope("message_action", user_id)
    payload.update(
        callback_id=callback_id,
        trigger_id=trigger_id or new_trigger_id(),
        action_ts=_action_ts(),
        channel={"id": channel_id, "name": channel_id.lower()},
        message_ts=message.get("ts"),
        message=copy.deepcopy(message),
        response_url=response_url or UNSET_RESPONSE_URL,
    )
    return payload


def shortcut_payload(callback_id: str, *, user_id: str, trigger_id: str | None = None) -> dict[str, Any]:
    """A global ``shortcut`` payload."""
    payload = _envelope("shortcut", user_id)
    payload.update(callback_id=callback_id, trigger_id=trigger_id or new_trigger_id(),
                   action_ts=_action_ts())
    return payload


def message_event(
    channel: str,
    text: str,
    *,
    user: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """A ``message`` event by a person (prefer ``fake.add_message``, which also stores it)."""
    ts = ts or f"{time.time():.6f}"
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
             "event_ts": ts, "team": TEAM_ID, "channel_type": channel_type,
             "client_msg_id": str(uuid.uuid4())}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


# -- sending ------------------------------------------------------------------------


@dataclass
class Reply:
    """What the app answered. ``headers`` is case-insensitive."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float = field(default=0.0)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class SlackSender:
    """Posts signed requests to the app's ``{base_url}/slack/events``, as Slack does."""

    def __init__(self, base_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.signing_secret = signing_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def signed_headers(self, body: bytes, content_type: str, timestamp: int | None = None) -> dict[str, str]:
        return {"Content-Type": content_type, **sign(body, self.signing_secret, timestamp)}

    async def slash(self, command: str, text: str = "", *, headers: Mapping[str, str] | None = None,
                    **kw: Any) -> Reply:
        """A slash command (keywords as for `slash_command_body`)."""
        body = slash_command_body(command, text, **kw)
        return await self._send(body, "application/x-www-form-urlencoded", headers)

    async def interactive(
        self, payload: dict[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """An interactivity payload (block_actions, view_submission, shortcuts)."""
        return await self._send(interactive_body(payload), "application/x-www-form-urlencoded", headers)

    async def event(self, event: dict[str, Any], *, headers: Mapping[str, str] | None = None,
                    **kw: Any) -> Reply:
        """An Events API event (keywords as for `event_callback_body`, e.g. event_id).
        For a redelivery pass the same event_id and ``headers={"X-Slack-Retry-Num": "1", ...}``."""
        return await self._send(event_callback_body(event, **kw), "application/json", headers)

    async def url_verification(self, challenge: str) -> Reply:
        return await self._send(url_verification_body(challenge), "application/json", None)

    async def raw(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST ``body`` with exactly ``headers`` (nothing signed for you)."""
        session = self._session_()
        started = time.monotonic()
        async with session.post(self.url, data=body, headers=dict(headers)) as resp:
            data = await resp.read()
            return Reply(resp.status, CIMultiDict(resp.headers), data, time.monotonic() - started)

    async def get(self, path: str) -> Reply:
        """GET another route of the same server, e.g. ``/healthz``."""
        base = self.url.rsplit("/slack/events", 1)[0]
        started = time.monotonic()
        async with self._session_().get(base + path) as resp:
            data = await resp.read()
            return Reply(resp.status, CIMultiDict(resp.headers), data, time.monotonic() - started)

    async def _send(self, body: bytes, content_type: str, extra: Mapping[str, str] | None) -> Reply:
        return await self.raw(body, {**self.signed_headers(body, content_type), **(extra or {})})

    def _session_(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SlackSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
