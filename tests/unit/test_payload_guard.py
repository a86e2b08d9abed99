"""The payload guard (bot/payload_guard.py) and the strict reading of ids our buttons
carry (workflows/button_values.py)."""

from __future__ import annotations

import json

import pytest

from bot.json_limits import JsonTooDeep, load_json, nested_deeper_than
from bot.payload_guard import malformed_reason
from workflows.button_values import parse_row_id

USER = {"id": "U1", "team_id": "T1"}
COMMAND = {"command": "/ticket", "text": "", "user_id": "U1", "team_id": "T1", "trigger_id": "1.2.3",
           "response_url": "https://hooks.slack.com/x"}


@pytest.mark.parametrize(("body", "reason"), [
    ({"type": "block_actions", "actions": [{"action_id": 5}], "user": USER}, "block_actions without actions"),
    ({"type": "block_actions", "actions": [{"action_id": "a"}], "user": "U1"}, "block_actions without a user"),
    ({"type": "block_actions", "actions": [{"action_id": "a"}], "user": {"id": ""}}, "block_actions without a user"),
    ({"type": "block_actions", "actions": [{"action_id": "a"}], "user": USER, "team": "T1"}, "team is not an object"),
    ({"type": "block_actions", "actions": [{"action_id": "a"}], "user": USER, "trigger_id": 7},
     "trigger_id is not text"),
    ({"type": "view_submission", "user": USER, "view": {"callback_id": "c"}}, "view without a type"),
    ({"type": "view_submission", "user": USER, "view": {"type": "modal", "callback_id": 1}},
     "view callback_id is not text"),
    ({"type": "view_submission", "user": USER, "view": {"type": "modal", "private_metadata": {"a": 1}}},
     "view private_metadata is not text"),
    ({"type": "view_submission", "user": USER, "view": {"type": "modal", "state": {"values": {"b": "x"}}}},
     "view state values are not objects"),
    ({"type": "view_submission", "user": USER, "view": {"type": "modal", "state": {"values": []}}},
     "view state values are not objects"),
    ({"type": "event_callback", "event": {"type": "message", "subtype": {}}, "event_id": "Ev1"},
     "event subtype is not text"),
    ({"type": "event_callback", "event": {"type": "message", "message": "x"}, "event_id": "Ev1"},
     "event message is not an object"),
    ({"type": "shortcut", "user": USER, "trigger_id": "1.2", "response_urls": [{"response_url": 5}]},
     "response_urls is not a list of URLs"),
    ({**COMMAND, "user_id": ""}, "slash command without a command or user"),
    ({key: value for key, value in COMMAND.items() if key != "trigger_id"}, "slash command without trigger_id"),
    ({"type": "shortcut", "callback_id": "c", "user": USER}, "shortcut without a trigger_id"),
    ({"type": "url_verification", "challenge": None}, "url_verification without a challenge"),
    ({"type": "event_callback", "event": {"type": 5}, "event_id": "Ev1"}, "event without a type"),
    ({"type": "event_callback", "event": {"type": "message"}}, "event_callback without an event_id"),
    ({"type": "event_callback", "event": {"type": "message"}, "event_id": "Ev" + "x" * 300},
     "event_id is not a Slack event id"),
    ({"type": "event_callback", "event": {"type": "message"}, "event_id": "Ev1", "authorizations": 3},
     "authorizations is not a list of objects"),
    ({"type": "app_rate_limited", "event": None}, "event is not an object"),
    ({"type": ["x"]}, "type is not text"),
])
def test_shapes_slack_never_sends_are_named(body, reason):
    assert malformed_reason(body) == reason


def test_sound_shapes_pass():
    view = {"type": "modal", "callback_id": "ticket_new", "private_metadata": "", "state": {"values": {"b": {"a": {"value": None}}}}}
    assert malformed_reason({"type": "view_submission", "user": USER, "team": None, "view": view}) is None
    assert malformed_reason({"type": "event_callback", "event": {"type": "message"}, "event_id": "Ev1",
                             "authorizations": [{"team_id": "T1"}]}) is None
    assert malformed_reason(COMMAND) is None
    assert malformed_reason({"type": "app_rate_limited", "team_id": "T1"}) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), (" 42 ", 42), ("2147483647", 2**31 - 1), (7, None),
    ("0", None), ("-1", None), ("²", None), ("١", None), ("1e3", None), ("0x1", None), ("1.5", None), ("", None),
    ("2147483648", None), ("99999999999999999999", None), (True, None), (None, None), (2**40, None), ([1], None),
])
def test_row_ids_are_ascii_digits_that_fit_the_database(value, expected):
    assert parse_row_id(value) == expected


@pytest.mark.parametrize(("body", "reason"), [
    ({"type": "block_suggestion", "user": USER, "action_id": 5}, "block_suggestion without a text action_id"),
    ({"type": "block_suggestion", "user": USER}, "block_suggestion without a text action_id"),
    ({"view": None}, "view is not an object"),
    ({"type": "app_rate_limited", "view": "callback_id"}, "view is not an object"),
    ({"type": "event_callback", "event": {"type": "function_executed", "function": None}, "event_id": "Ev1"},
     "event function is not an object"),
    ({"type": "event_callback", "event": {"type": "x", "assistant_thread": "C1"}, "event_id": "Ev1"},
     "event assistant_thread is not an object"),
    ({"type": "interactive_message", "callback_id": "ticket_claim"}, "interactive_message payloads are not used by this app"),
    ({"type": "dialog_submission", "callback_id": "x"}, "dialog_submission payloads are not used by this app"),
    ({"type": "workflow_step_edit", "callback_id": "x"}, "workflow_step_edit payloads are not used by this app"),
    ({"type": "view_submission", "user": USER, "view": {"type": "workflow_step", "callback_id": "c"}},
     "workflow step views are not used by this app"),
    ({"type": "shortcut", "user": USER, "trigger_id": "1.2", "command": "/ticket"}, "slash command without user_id"),
    ({"type": "event_callback", "event": {"type": "message", "x": json.loads("[" * 63 + "]" * 63)}, "event_id": "Ev1"},
     "JSON nested deeper than 64 levels"),
    ({"type": "event_callback", "event": {"type": "message"}, "event_id": "Ev\ud800"},
     "text with a NUL or a lone surrogate"),
    ({"command": "/ticket", "text": "a\x00b", "user_id": "U1", "team_id": "T1"}, "text with a NUL or a lone surrogate"),
    ({"type": "view_closed", "user": USER, "view": {"type": "modal", "\udfff": 1}}, "text with a NUL or a lone surrogate"),
    ({"type": "message_action", "user": USER, "trigger_id": "1.2", "message": {"text": ["x"]}},
     "message text is not text"),
    ({"type": "shortcut", "user": USER, "trigger_id": "1.2", "message": {"ts": 5}}, "message ts is not text"),
    ({"type": "block_actions", "user": USER, "trigger_id": "1.2", "actions": [{"action_id": "a"}],
      "channel": {"id": ["C1"]}}, "channel id is not text"),
])
def test_shapes_bolt_reads_outside_our_error_handler_are_named(body, reason):
    assert malformed_reason(body) == reason


def test_nesting_is_measured_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nested_deeper_than(deep)
    assert not nested_deeper_than(json.loads("[" * 64 + "]" * 64))
    assert nested_deeper_than(json.loads("[" * 65 + "]" * 65))
    assert not nested_deeper_than({"a": [{"b": 1}] * 10_000, "c": "x" * 10_000}, limit=3)


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000, b"[" * 65 + b"]" * 65])
def test_load_json_refuses_deep_nesting_as_a_value_error(body):
    with pytest.raises(JsonTooDeep):
        load_json(body)
    assert load_json(b"[" * 64 + b"]" * 64) is not None
