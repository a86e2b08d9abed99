"""Refuses signed Slack payloads whose shape is not one Slack sends.

slack-bolt 1.30 raises while building listener arguments for some malformed payloads
(``view: null``, ``actions: []``, ``event: null``), before any error handler of ours
can run, and answers 500 — which makes Slack retry. Our listeners, in turn, read the
fields Slack always sends (``user.id`` of an interaction, ``user_id`` of a command,
``view.state.values`` of a submission) without re-checking their types. So the parsed
body is checked first and a body of another shape is answered 400 with the reason:

- every payload is an object; an interaction's ``user`` is an object with a text ``id``,
  its ``team``, ``channel``, ``container``, ``message``, ``view`` objects (or absent,
  ``team`` may be null) whose ids (and a message's ``text`` and ``ts``) are texts,
  ``trigger_id`` and ``response_url`` texts (a ``trigger_id`` always on block actions
  and shortcuts);
- ``block_actions``: a non-empty list of actions, each an object with a text
  ``action_id``; view submissions: a view with text ``callback_id`` and
  ``private_metadata``, a text ``type`` and ``state.values`` an object of objects;
- slash commands: text ``command`` (``/…``), ``user_id``, ``team_id`` and ``text``;
- Events API: ``url_verification`` has a text ``challenge``; ``event_callback`` an
  ``event`` object with a text ``type`` (and text ``user``, ``channel``, ``ts``,
  ``text``… when given), a text ``event_id`` (at most 100 characters) and
  ``authorizations`` a list of objects;
- ``block_suggestion``: a text ``action_id``;
- whatever the type (or none): a ``view`` is an object, a ``command`` makes the body a
  slash command, objects and arrays nest at most 64 levels, and no text holds a NUL or a
  lone surrogate (``bot.json_limits``: neither can be stored; Slack never sends them);
- the legacy payloads this app never asks for (attachment buttons, dialogs, workflow
  steps from apps) are refused: Bolt would route them by ``callback_id`` into our action
  listeners, which read a shape they do not have.

The last three rules cover what Bolt reads of a body no listener matched, to log it
(``slack_bolt.logger.messages.warning_unhandled_request``: ``view.get``, ``"…" +
action_id``, ``event.function.get``), and what it reads to build a listener's arguments
(``to_action``: ``actions[0]``; ``to_step``: ``workflow_step``), both outside any error
handler of ours.

What the values mean (ids of tickets, options of a select) is checked further in, by
the parsers and workflows. Unsigned requests never get here (401 first).
"""

from __future__ import annotations

from typing import Any

from bot.json_limits import json_problem

__all__ = ["malformed_reason"]

#: Slack's event ids are a dozen characters; each is stored once (``slack_deliveries``).
EVENT_ID_MAX = 100
#: The events we subscribe to; in them ``user``, ``channel``, ``ts``… are ids (text).
_PEOPLE_EVENTS = ("message", "app_mention", "app_home_opened")
INTERACTIONS = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion")
#: Payloads of features this app does not use (Slack sends them only to apps that do).
LEGACY = ("interactive_message", "dialog_submission", "dialog_cancellation", "dialog_suggestion",
          "workflow_step_edit")
#: Event fields that are objects whenever present (Bolt calls ``.get`` on them).
_EVENT_OBJECTS = ("function", "assistant_thread", "workflow_step")
#: Interactions Slack always sends with a ``trigger_id`` (our listeners open modals with it).
_TRIGGERED = ("block_actions", "shortcut", "message_action")
_OBJECTS = ("team", "channel", "container", "message", "view", "enterprise", "state")
_TEXTS = ("trigger_id", "response_url", "callback_id", "action_ts", "message_ts", "api_app_id", "token")
#: Ids and texts inside those objects that listeners read (a message's text, a channel's id).
_OBJECT_TEXTS = {"team": ("id",), "channel": ("id",), "container": ("channel_id", "message_ts", "view_id", "type"),
                 "message": ("text", "ts", "thread_ts", "user", "bot_id")}


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _object_or_absent(body: dict[str, Any], key: str) -> bool:
    return key not in body or body[key] is None and key in ("team", "enterprise") or isinstance(body[key], dict)


def _interaction(kind: str, body: dict[str, Any]) -> str | None:
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, dict) and _text(a.get("action_id")) and _text(a.get("block_id", "")) for a in actions):
            return "block_actions without actions"
    if kind in ("view_submission", "view_closed") and not isinstance(body.get("view"), dict):
        return f"{kind} has no view object"
    if kind == "message_action" and not isinstance(body.get("message"), dict):
        return "message_action has no message object"
    if kind == "block_suggestion" and not _text(body.get("action_id")):
        return "block_suggestion without a text action_id"
    user = body.get("user")
    if not isinstance(user, dict) or not _text(user.get("id")) or not user["id"]:
        return f"{kind} without a user"
    for key in _OBJECTS:
        if not _object_or_absent(body, key):
            return f"{key} is not an object"
    for key in _TEXTS:
        if key in body and body[key] is not None and not _text(body[key]):
            return f"{key} is not text"
    for key, fields in _OBJECT_TEXTS.items():
        holder = body.get(key)
        for field in fields if isinstance(holder, dict) else ():
            if holder.get(field) is not None and not _text(holder[field]):
                return f"{key} {field} is not text"
    if kind in _TRIGGERED and not _text(body.get("trigger_id")):
        return f"{kind} without a trigger_id"
    return _view(body["view"]) if isinstance(body.get("view"), dict) else None


def _view(view: dict[str, Any]) -> str | None:
    if not _text(view.get("type")):
        return "view without a type"
    if view["type"] == "workflow_step":
        return "workflow step views are not used by this app"
    for key in ("callback_id", "private_metadata", "id", "external_id", "hash"):
        if view.get(key) is not None and not _text(view[key]):
            return f"view {key} is not text"
    state = view.get("state")
    if state is None:
        return None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(isinstance(block, dict) and all(isinstance(v, dict)
                                                                               for v in block.values())
                                               for block in values.values()):
        return "view state values are not objects"
    return None


def _command(body: dict[str, Any]) -> str | None:
    for key in ("command", "user_id", "team_id", "text", "trigger_id", "response_url"):
        if not _text(body.get(key)):
            return f"slash command without {key}"
    if not body["command"].startswith("/") or not body["user_id"]:
        return "slash command without a command or user"
    return None


def _event(kind: str, body: dict[str, Any]) -> str | None:
    if kind == "url_verification":
        return None if _text(body.get("challenge")) else "url_verification without a challenge"
    event = body.get("event")
    if not isinstance(event, dict):
        return f"{kind} has no event object"
    if not _text(event.get("type")):
        return "event without a type"
    texts = ("subtype", "channel_type", "user", "channel", "ts", "thread_ts", "text", "tab")
    for key in texts if event["type"] in _PEOPLE_EVENTS else ():
        if event.get(key) is not None and not _text(event[key]):
            return f"event {key} is not text"
    for key in ("message", "previous_message", "item"):
        if event.get(key) is not None and not isinstance(event[key], dict):
            return f"event {key} is not an object"
    for key in _EVENT_OBJECTS:
        if key in event and not isinstance(event[key], dict):
            return f"event {key} is not an object"
    if not _text(body.get("event_id")):
        return "event_callback without an event_id"
    if not 0 < len(body["event_id"]) <= EVENT_ID_MAX:
        return "event_id is not a Slack event id"
    for key in ("team_id", "enterprise_id", "api_app_id"):
        if body.get(key) is not None and not _text(body[key]):
            return f"{key} is not text"
    return None


def _common(body: dict[str, Any]) -> str | None:
    """What Bolt's own middleware reads of any payload, whatever its type."""
    if "event" in body and not isinstance(body["event"], dict):
        return "event is not an object"
    if "view" in body and not isinstance(body["view"], dict):
        return "view is not an object"
    authorizations = body.get("authorizations")
    if authorizations is not None and not (isinstance(authorizations, list)
                                           and all(isinstance(a, dict) for a in authorizations)):
        return "authorizations is not a list of objects"
    if body.get("response_url") is not None and not _text(body["response_url"]):
        return "response_url is not text"
    urls = body.get("response_urls")
    if urls is not None and not (isinstance(urls, list) and all(isinstance(u, dict) and _text(u.get("response_url"))
                                                                for u in urls)):
        return "response_urls is not a list of URLs"
    return None


def malformed_reason(body: dict[str, Any]) -> str | None:
    """Why this parsed Slack body cannot be processed, or None when its shape is sound."""
    if not isinstance(body, dict):
        return "body is not an object"
    problem = json_problem(body)  # nesting; NUL and lone surrogates, which no database stores
    if problem:
        return problem
    kind = body.get("type")
    if "payload" in body and kind is None:
        return "payload is not valid JSON"
    if kind is not None and not _text(kind):
        return "type is not text"
    if kind in LEGACY:
        return f"{kind} payloads are not used by this app"
    reason = None
    if kind in INTERACTIONS:
        reason = _interaction(kind, body)
    elif kind in ("url_verification", "event_callback"):
        reason = _event(kind, body)
    if reason is None and "command" in body:
        reason = _command(body)  # Bolt routes any body with a command to the command listeners
    return reason or _common(body)
