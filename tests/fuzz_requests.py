"""Mutated requests for ``POST /slack/events`` and ``POST /pagerduty/webhook``, drawn from a
seeded ``random.Random``: fast enough to post thousands in one test, and the same
thousands for the same seed (a failure names its seed and index).

    fuzz = RequestFuzzer(seed=16, signing_secret=..., webhook_secret=..., live_key=page.dedup_key,
                         response_url=fake_slack.response_url("fuzz"))
    request = fuzz.slack()    # FuzzedRequest(path, body, headers, signed, kind)
    request = fuzz.webhook()

Each request starts from something Slack or PagerDuty really sends (a slash command,
a click, a modal submission, a shortcut, an event; a v3 incident webhook) and is then
mutated: fields deleted or replaced by junk of another type (null, booleans, integers
beyond 64 bits, floats, lists, objects, texts up to 300 KB, NUL, lone surrogates),
JSON nested up to thousands of levels deep, the body truncated, its bytes flipped, not
UTF-8, over 1 MiB, sent with the wrong content type, or without a valid signature
(none, another secret, a stale timestamp, garbage).

No template can open a ticket, declare an incident or page: they name ticket #4242
(which does not exist), modals that do not create, and commands that only read; junk
never reads as a small number. PagerDuty templates may name the live page's key, so
signed ones can acknowledge or resolve it, as PagerDuty would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from workflows.escalation.ids import EscalationAction, EscalationBlock, EscalationView
from workflows.incidents.ids import IncidentAction, IncidentBlock
from workflows.kb.ids import KbAction, KbBlock, KbView
from workflows.paging.ids import PageAction, PageBlock
from workflows.tickets.ids import TicketAction, TicketBlock, TicketView

ACTIONS = [*TicketAction, *EscalationAction, *IncidentAction, *KbAction, *PageAction]
BLOCKS = [*TicketBlock, *EscalationBlock, *IncidentBlock, *KbBlock, *PageBlock]
from tests.fakes.slack_requests import APP_ID, TEAM_ID, UNSET_RESPONSE_URL, VERIFICATION_TOKEN

__all__ = ["FuzzedRequest", "RequestFuzzer", "webhook_verdict"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
CONTENT_TYPES = [FORM, JSON, "text/plain", "multipart/form-data; boundary=x", "application/xml",
                 "application/json; charset=latin-1", "application/x-www-form-urlencoded; charset=bogus", ""]
MAX_BODY = 1024 * 1024
#: Texts that are not numbers: letters, markup, mentions, control and odd characters.
ALPHABET = "abcXYZ <>&#:@!|*_~`'\"\\/{}[]%\u00e9\u202e\u0000\U0001f4a5\u00b2\u0661 \t\n"
DEEP = "__fuzz_deep_%d__"


@dataclass(frozen=True)
class FuzzedRequest:
    path: str
    body: bytes
    headers: dict[str, str]
    signed: bool  # carries a valid, fresh signature
    kind: str  # what it started from and how it was mangled, for a failure message


class RequestFuzzer:
    def __init__(self, *, seed: int, signing_secret: str, webhook_secret: str, live_key: str,
                 response_url: str = UNSET_RESPONSE_URL) -> None:
        self.rng = random.Random(seed)
        self.response_url = response_url
        self.signing_secret = signing_secret
        self.webhook_secret = webhook_secret
        self.live_key = live_key
        self._deep: dict[str, str] = {}

    # -- junk ----------------------------------------------------------------------------

    def text(self, size: int | None = None) -> str:
        rng = self.rng
        if size is None:
            size = rng.choice([0, 1, 5, 30, 200, 3_000, 40_000]) if rng.random() < 0.97 else rng.randint(1, 300_000)
        if size > 200:  # long texts: one repeated character, cheaply
            return rng.choice(["x", "<", "&", "\u00e9", "\U0001f4a5", " ", "<!channel>", "\u0000"]) * size
        return "".join(rng.choice(ALPHABET) for _ in range(size)) + rng.choice(["", "\ud800", "\udfff"] + [""] * 8)

    def junk(self) -> Any:
        rng = self.rng
        pick = rng.randrange(12)
        if pick == 0:
            return None
        if pick == 1:
            return rng.choice([True, False])
        if pick == 2:
            return rng.choice([0, -1, 4242, 2 ** 31, 2 ** 63, -(2 ** 70), 10 ** 40])
        if pick == 3:
            return rng.choice([1.5, -0.0, 1e308, 2.5e-300])
        if pick in (4, 5, 6):
            return self.text()
        if pick == 7:
            return [self.junk() for _ in range(rng.randrange(4))]
        if pick == 8:
            return {self.text(rng.randrange(6)): self.junk() for _ in range(rng.randrange(4))}
        if pick == 9:
            return self.deep()
        if pick == 10:
            return rng.choice(["4242", "#4242", "4242:5", "-1", "0", "²", "١٢", "1e3", "0x10", "null", "[]", "{}"])
        return {}

    def deep(self) -> str:
        """A placeholder that :meth:`serialize` replaces by JSON nested ``depth`` levels."""
        depth = self.rng.choice([40, 65, 200, 990, 1_000, 3_000, 50_000])
        opener, closer = self.rng.choice([("[", "]"), ('{"a":', "}")])
        key = DEEP % len(self._deep)
        self._deep[key] = opener * depth + ("1" if opener != "[" else "") + closer * depth
        return key

    def serialize(self, value: Any) -> str:
        text = json.dumps(value)
        for key, nested in self._deep.items():
            text = text.replace(json.dumps(key), nested)
        self._deep.clear()
        return text

    # -- structural mutations --------------------------------------------------------------

    def mutate(self, payload: Any, rounds: int | None = None) -> Any:
        rng = self.rng
        for _ in range(rng.choice([0, 1, 1, 2, 3]) if rounds is None else rounds):
            paths = list(_paths(payload))
            if not paths:
                return self.junk()
            *parents, last = rng.choice(paths)
            holder = payload
            for key in parents:
                holder = holder[key]
            action = rng.randrange(4)
            if action == 0 and isinstance(holder, dict):
                del holder[last]
            elif action == 1 and isinstance(holder, dict):
                holder[self.text(rng.randrange(1, 12))] = self.junk()
            else:
                holder[last] = self.junk()
        return payload

    def mangle(self, body: bytes) -> tuple[bytes, str]:
        """Byte-level damage, now and then."""
        rng = self.rng
        pick = rng.randrange(40)
        if pick == 0 and body:
            return body[:rng.randrange(len(body))], "truncated"
        if pick == 1 and body:
            data = bytearray(body)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data), "flipped"
        if pick == 2:
            return body + rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"]), "not utf-8"
        if pick == 3:
            return b"\xef\xbb\xbf" + body, "bom"
        if pick == 4:
            return body + b" " * (MAX_BODY - len(body) + rng.randint(1, 100)), "over 1 MiB"
        if pick == 5:
            return rng.choice([b"", b"null", b"[]", b"{}", b"payload=", b"payload=%7B", b"payload=null", b"\"x\"",
                               b"command=/ticket&command=/kb", b"payload=%5B%5D&payload=x", b"1e999999"]), "tiny"
        return body, ""

    # -- Slack -------------------------------------------------------------------------------

    def slack(self) -> FuzzedRequest:
        rng = self.rng
        maker = rng.choice([self._command, self._command, self._click, self._click, self._submission,
                            self._shortcut, self._event, self._event, self._event, self._raw_json])
        body, content_type, kind = maker()
        body, damage = self.mangle(body)
        if rng.random() < 0.12:
            content_type = rng.choice(CONTENT_TYPES)
            damage += " content-type:" + content_type
        headers = {"Content-Type": content_type} if content_type else {}
        signed = rng.random() < 0.78
        if signed:
            headers.update(self._slack_signature(body, self.signing_secret, int(time.time())))
        else:
            headers.update(self._bad_slack_signature(body))
        if rng.random() < 0.05:
            headers[rng.choice(["X-Supportbot-Replay", "X-Slack-Bolt-Lazy-Only", "X-Slack-Retry-Num"])] = "1"
        return FuzzedRequest("/slack/events", body, headers, signed, f"{kind} {damage}".strip())

    @staticmethod
    def _slack_signature(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

    def _bad_slack_signature(self, body: bytes) -> dict[str, str]:
        now = int(time.time())
        pick = self.rng.randrange(6)
        if pick == 0:
            return {}
        if pick == 1:
            return self._slack_signature(body, "not-the-signing-secret", now)
        if pick == 2:
            return self._slack_signature(body, self.signing_secret, now - 6 * 60)  # stale
        if pick == 3:
            return self._slack_signature(body + b" ", self.signing_secret, now)  # of another body
        if pick == 4:
            return {"X-Slack-Request-Timestamp": self.rng.choice(["", "abc", "1e9", "-1", "9" * 30, " 1"]),
                    "X-Slack-Signature": "v0=" + "0" * 64}
        garbage = "".join(c for c in self.text(self.rng.randrange(80)) if " " <= c <= "~")
        return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": garbage}

    def _form(self, fields: dict[str, Any]) -> bytes:
        values = {k: v if isinstance(v, str) else self.serialize(v) for k, v in fields.items()}
        return urlencode([(str(k).encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass"))
                          for k, v in values.items()]).encode()

    def _command(self) -> tuple[bytes, str, str]:
        rng = self.rng
        command, text = rng.choice([("/ticket", ""), ("/ticket", "#4242"), ("/ticket", "stats 7d"),
                                    ("/ticket", "mine"), ("/ticket", "queue tier9"), ("/ticket", "help"),
                                    ("/ticket", "wait #4242"), ("/escalate", "#4242 it is down"),
                                    ("/incident", "help"), ("/incident", "update all fine"), ("/oncall", ""),
                                    ("/kb", "help"), ("/kb", "password reset"), ("/nope", "")])
        fields: dict[str, Any] = {
            "token": VERIFICATION_TOKEN, "team_id": TEAM_ID, "team_domain": "fake", "channel_id": "C0GENERAL",
            "channel_name": "general", "user_id": "U0FUZZER", "user_name": "fuzzer", "command": command,
            "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": self.response_url, "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
        }
        fields = self.mutate(fields)
        if not isinstance(fields, dict):
            return self._form({"payload": fields}), FORM, "command->junk"
        if rng.random() < 0.2:  # a text of junk after the command
            fields["text"] = f"{text} {self.text()}"
        return self._form(fields), FORM, f"command {command} {text}"

    def _envelope(self, kind: str) -> dict[str, Any]:
        return {"type": kind, "token": VERIFICATION_TOKEN, "api_app_id": APP_ID,
                "user": {"id": "U0FUZZER", "team_id": TEAM_ID, "name": "fuzzer"},
                "team": {"id": TEAM_ID, "domain": "fake"}, "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
                "response_url": self.response_url, "enterprise": None, "is_enterprise_install": False}

    def _interactive(self, payload: Any, kind: str) -> tuple[bytes, str, str]:
        payload = self.mutate(payload)
        if self.rng.random() < 0.85:
            return self._form({"payload": payload}), FORM, kind
        return self.serialize(payload).encode("utf-8", "surrogatepass"), JSON, kind + " as json"

    def _click(self) -> tuple[bytes, str, str]:
        rng = self.rng
        action = rng.choice([a for a in ACTIONS if a is not TicketAction.DECLARE_INCIDENT])
        value = rng.choice(["4242", "4242:5", "99999:1", "abc", ""])
        payload = self._envelope(rng.choice(["block_actions"] * 8 + ["block_suggestion", "interactive_message"]))
        payload.update(
            actions=[{"action_id": str(action), "block_id": str(rng.choice(BLOCKS)), "type": "button",
                      "value": value, "action_ts": "1.2"}],
            container={"type": "message", "channel_id": "C0TIER1FL", "message_ts": "1.1"},
            channel={"id": "C0TIER1FL", "name": "tier1"},
            message={"type": "message", "ts": "1.1", "text": "", "blocks": []},
            state={"values": {}},
        )
        if payload["type"] == "block_suggestion":
            payload.update(action_id=str(action), block_id="b", value=self.text(5))
        return self._interactive(payload, f"click {action}={value}")

    def _submission(self) -> tuple[bytes, str, str]:
        rng = self.rng
        callback = str(rng.choice([TicketView.RESOLVE_TICKET, EscalationView.ESCALATE, KbView.KB_THANKS, KbView.KB_ARTICLE, "not_ours"]))
        values = {
            str(TicketBlock.RESOLUTION): {str(TicketAction.RESOLUTION): {"type": "plain_text_input", "value": "Fixed it"}},
            str(EscalationBlock.ESCALATE_TICKET): {str(EscalationAction.ESCALATE_TICKET): {"type": "plain_text_input", "value": "#4242"}},
            str(EscalationBlock.ESCALATE_REASON): {str(EscalationAction.ESCALATE_REASON): {"type": "plain_text_input", "value": "why"}},
        }
        view = {"id": "V0FUZZ", "team_id": TEAM_ID, "type": "modal", "callback_id": str(callback),
                "private_metadata": rng.choice(['{"ticket_id": 4242}', "4242", "", '{"ticket_id": "x"}']),
                "state": {"values": values}, "hash": "1.x", "blocks": [], "app_id": APP_ID}
        payload = self._envelope(rng.choice(["view_submission"] * 4 + ["view_closed"]))
        payload.update(view=view, response_urls=[])
        return self._interactive(payload, f"submission {callback}")

    def _shortcut(self) -> tuple[bytes, str, str]:
        payload = self._envelope(self.rng.choice(["shortcut", "message_action"]))
        payload.update(callback_id=self.rng.choice(["create_ticket_from_message", "nope"]), action_ts="1.2",
                       channel={"id": "C0GENERAL", "name": "general"}, message_ts="1.1",
                       message={"ts": "1.1", "text": "It broke", "user": "U0SOMEONE"})
        return self._interactive(payload, "shortcut")

    def _event(self) -> tuple[bytes, str, str]:
        rng = self.rng
        ts = f"{1700000000 + rng.randrange(10 ** 6)}.{rng.randrange(10 ** 6):06d}"
        event = rng.choice([
            {"type": "message", "channel": "C0TIER1FL", "user": "U0FUZZER", "text": "any news?", "ts": ts,
             "thread_ts": "1690000000.000100", "channel_type": "channel"},
            {"type": "message", "channel": "C0GENERAL", "user": "U0FUZZER", "text": "hello", "ts": ts},
            {"type": "message", "subtype": "message_changed", "channel": "C0GENERAL", "ts": ts,
             "message": {"type": "message", "user": "U0FUZZER", "text": "edited", "ts": ts}},
            {"type": "app_mention", "channel": "C0GENERAL", "user": "U0FUZZER", "text": "<@U0BOT> how to reset?",
             "ts": ts},
            {"type": "app_home_opened", "user": "U0FUZZER", "channel": "D0FUZZ", "tab": rng.choice(["home", "messages"])},
            {"type": "reaction_added", "user": "U0FUZZER", "reaction": "eyes",
             "item": {"type": "message", "channel": "C0GENERAL", "ts": ts}},
            {"type": "function_executed", "function_execution_id": "Fx1", "function": {"callback_id": "x"}},
        ])
        envelope = {"token": VERIFICATION_TOKEN, "team_id": TEAM_ID, "api_app_id": APP_ID, "event": event,
                    "type": rng.choice(["event_callback"] * 9 + ["url_verification", "app_rate_limited"]),
                    "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": 1700000000,
                    "challenge": "c", "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}]}
        kind = f"event {event['type']}"
        envelope = self.mutate(envelope)
        return self.serialize(envelope).encode("utf-8", "surrogatepass"), JSON, kind

    def _raw_json(self) -> tuple[bytes, str, str]:
        value = self.junk() if self.rng.random() < 0.5 else {"type": self.junk(), self.text(4): self.junk()}
        return self.serialize(value).encode("utf-8", "surrogatepass"), self.rng.choice([JSON, FORM]), "raw json"

    # -- PagerDuty ----------------------------------------------------------------------------

    def webhook(self) -> FuzzedRequest:
        rng = self.rng
        event_type = rng.choice(["incident.acknowledged", "incident.resolved", "incident.triggered", "pagey.ping"])
        key = rng.choice([self.live_key, "supportbot-ticket-4242", "supportbot-incident-99", "someone-elses"])
        payload: Any = {"event": {
            "id": uuid.uuid4().hex, "event_type": event_type, "resource_type": "incident",
            "occurred_at": "2026-11-25T15:00:00Z",
            "agent": {"id": "PAGENT1", "summary": "Jane Responder", "type": "user_reference"},
            "data": {"id": "PINC1", "type": "incident", "incident_key": key, "status": "acknowledged",
                     "title": "Support page"}}}
        payload = self.mutate(payload, rounds=rng.choice([0, 1, 1, 2, 3]))
        body, damage = self.mangle(self.serialize(payload).encode("utf-8", "surrogatepass"))
        headers = {"Content-Type": rng.choice([JSON] * 6 + CONTENT_TYPES)}
        webhook_id = rng.choice([None, "uuid", "uuid", "uuid", "long", "short"])
        if webhook_id == "uuid":
            headers["X-Webhook-Id"] = str(uuid.uuid4())
        elif webhook_id == "long":
            headers["X-Webhook-Id"] = "w" * rng.randint(150, 2_000)
        elif webhook_id == "short":
            headers["X-Webhook-Id"] = "".join(rng.choice("abcXYZ019-_ :;{}") for _ in range(rng.randint(1, 40)))
        signed = rng.random() < 0.7
        if signed:
            signature = "v1=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            if rng.random() < 0.2:  # a rotated secret's signature alongside
                signature = "v1=" + "ab" * 32 + ", " + signature
            headers["X-PagerDuty-Signature"] = signature
        else:
            bad = rng.choice([None, "v1=", "v0=" + "0" * 64, "v1=" + "0" * 64, "garbage", "other"])
            if bad == "other":
                bad = "v1=" + hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
            if bad is not None:
                headers["X-PagerDuty-Signature"] = bad
        return FuzzedRequest("/pagerduty/webhook", body, headers, signed, f"webhook {event_type} {damage}".strip())


def _paths(node: Any, prefix: tuple = (), depth: int = 0):
    if depth > 5:
        return
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in list(children):
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,), depth + 1)


def webhook_verdict(body: bytes, headers: dict[str, str], *, signed: bool) -> int:
    """The status a request to ``POST /pagerduty/webhook`` deserves (``signed``: with a valid
    signature), worked out independently of the bot."""
    if len(body) > MAX_BODY:
        return 413
    if not signed:
        return 401
    if len(headers.get("X-Webhook-Id", "").strip()) > 200:
        return 400
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return 400
    if _depth(payload) > 64:
        return 400
    event = payload.get("event") if isinstance(payload, dict) else None
    return 200 if isinstance(event, dict) and isinstance(event.get("event_type"), str) else 400


def _depth(value: Any) -> int:
    try:
        return _depth_of(value)
    except RecursionError:
        return 10 ** 6


def _depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth_of(v) for v in value), default=0)
    return 0
