"""Refuses signed Slack payloads whose shape Bolt cannot handle.

slack-bolt 1.30 raises while building listener arguments for some malformed payloads
(``view: null``, ``actions: []``, ``event: null``), before any error handler of ours
can run, and answers 500 — which makes Slack retry. We look at the parsed body first
and answer 400 with the reason instead. Unsigned requests are left to Bolt (401).
"""

from __future__ import annotations

from typing import Any

_NEEDS_DICT = {
    "view_submission": "view",
    "view_closed": "view",
    "event_callback": "event",
    "message_action": "message",
}


def malformed_reason(body: dict[str, Any]) -> str | None:
    """Why this parsed Slack body cannot be processed, or None when its shape is sound."""
    if not isinstance(body, dict):
        return "body is not an object"
    kind = body.get("type")
    if "payload" in body and kind is None:
        return "payload is not valid JSON"
    field = _NEEDS_DICT.get(kind) if isinstance(kind, str) else None
    if field and not isinstance(body.get(field), dict):
        return f"{kind} has no {field} object"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            return "block_actions without actions"
    if kind in ("view_submission", "view_closed") and not isinstance(body["view"].get("callback_id", ""), str):
        return "view without a callback_id"
    for key in ("user", "team"):
        if key in body and body[key] is not None and not isinstance(body[key], (dict, str)):
            return f"{key} is neither an object nor an id"
    return None
