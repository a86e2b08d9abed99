"""Block Kit checks the fake Slack applies, and helpers that let a test fill a modal.

Validation follows the limits Slack documents for Block Kit (a message may hold 50
blocks, a modal 100; a modal title is at most 24 characters; a section's text at most
3000; a button's text at most 75; ...). A violation is reported the way Slack reports
it: ``invalid_blocks`` (messages) or ``invalid_arguments`` (views) with
``response_metadata.messages`` such as
``"[ERROR] must be at most 24 characters [json-pointer:/view/title/text]"``.

The check is deliberately partial: it covers the shapes supportbot builds, so that a
builder that Slack would refuse fails in tests too. It never accepts a shape that Slack
refuses for a reason listed here.

Filling a modal, as a person would::

    view = fake.latest_view()                          # as Slack stored it
    state = view_state(view, {"Summary": "VPN down", "Priority": "P1"})
    payload = view_submission_payload(view, state, user_id="U0REPORTER")
"""

from __future__ import annotations

import copy
from typing import Any

MESSAGE_BLOCK_TYPES = {
    "section", "divider", "header", "context", "actions", "image", "input", "rich_text",
    "file", "video", "markdown", "table", "context_actions",
}
VIEW_BLOCK_TYPES = MESSAGE_BLOCK_TYPES - {"file", "table", "markdown"}
INPUT_ELEMENT_TYPES = {
    "plain_text_input", "static_select", "external_select", "users_select",
    "conversations_select", "channels_select", "multi_static_select",
    "multi_external_select", "multi_users_select", "multi_conversations_select",
    "multi_channels_select", "checkboxes", "radio_buttons", "datepicker", "timepicker",
    "datetimepicker", "number_input", "email_text_input", "url_text_input",
    "rich_text_input", "file_input",
}
INTERACTIVE_ELEMENT_TYPES = INPUT_ELEMENT_TYPES | {"button", "overflow", "workflow_button"}


class _Checker:
    """Collects Slack-style error strings with JSON pointers."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def text(self, obj: Any, pointer: str, *, max_len: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail(pointer, "must be a text object")
            return
        kind = obj.get("type")
        allowed = {"plain_text"} if plain_only else {"plain_text", "mrkdwn"}
        if kind not in allowed:
            self.fail(f"{pointer}/type", f"must be one of {sorted(allowed)}")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail(f"{pointer}/text", "must be a non-empty string")
        elif len(text) > max_len:
            self.fail(f"{pointer}/text", f"must be at most {max_len} characters")

    def length(self, value: Any, pointer: str, max_len: int) -> None:
        if value is not None and (not isinstance(value, str) or len(value) > max_len):
            self.fail(pointer, f"must be a string of at most {max_len} characters")

    def options(self, options: Any, pointer: str, *, max_count: int = 100) -> None:
        if not isinstance(options, list) or not (1 <= len(options) <= max_count):
            self.fail(pointer, f"must hold 1 to {max_count} options")
            return
        for i, option in enumerate(options):
            p = f"{pointer}/{i}"
            if not isinstance(option, dict):
                self.fail(p, "must be an option object")
                continue
            self.text(option.get("text"), f"{p}/text", max_len=75)
            value = option.get("value")
            if not isinstance(value, str) or not value or len(value) > 150:
                self.fail(f"{p}/value", "must be a non-empty string of at most 150 characters")

    def element(self, el: Any, pointer: str, action_ids: set[str], *, allowed: set[str]) -> None:
        if not isinstance(el, dict) or el.get("type") not in allowed:
            self.fail(f"{pointer}/type", "unsupported element type")
            return
        kind = el["type"]
        action_id = el.get("action_id")
        if action_id is not None:
            self.length(action_id, f"{pointer}/action_id", 255)
            if action_id in action_ids:
                self.fail(f"{pointer}/action_id", "action_id must be unique in its block")
            action_ids.add(action_id)
        if kind == "button":
            self.text(el.get("text"), f"{pointer}/text", max_len=75, plain_only=True)
            self.length(el.get("value"), f"{pointer}/value", 2000)
            self.length(el.get("url"), f"{pointer}/url", 3000)
            if el.get("style") not in (None, "primary", "danger"):
                self.fail(f"{pointer}/style", "must be primary or danger")
        if kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"):
            limit = 5 if kind == "overflow" else (10 if kind in ("radio_buttons", "checkboxes") else 100)
            if "option_groups" in el and kind.endswith("static_select"):
                options = [o for g in el["option_groups"] for o in g.get("options", [])]
            else:
                options = el.get("options")
                self.options(options, f"{pointer}/options", max_count=limit)
            initial = el.get("initial_option")
            if initial is not None and initial not in (options or []):
                self.fail(f"{pointer}/initial_option", "must match one of the options")
            for i, opt in enumerate(el.get("initial_options") or []):
                if opt not in (options or []):
                    self.fail(f"{pointer}/initial_options/{i}", "must match one of the options")
        if kind == "plain_text_input":
            max_length = el.get("max_length", 3000)
            if not isinstance(max_length, int) or not 1 <= max_length <= 3000:
                self.fail(f"{pointer}/max_length", "must be between 1 and 3000")
                max_length = 3000
            self.length(el.get("initial_value"), f"{pointer}/initial_value", max_length)
        if "placeholder" in el:
            self.text(el["placeholder"], f"{pointer}/placeholder", max_len=150, plain_only=True)

    def block(self, block: Any, pointer: str, block_ids: set[str], *, allowed: set[str]) -> None:
        if not isinstance(block, dict) or block.get("type") not in allowed:
            self.fail(f"{pointer}/type", "unsupported block type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(block_id, f"{pointer}/block_id", 255)
            if block_id in block_ids:
                self.fail(f"{pointer}/block_id", "block_id must be unique")
            block_ids.add(block_id)
        kind = block["type"]
        action_ids: set[str] = set()
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail(pointer, "a section needs text or fields")
            if "text" in block:
                self.text(block["text"], f"{pointer}/text", max_len=3000)
            fields = block.get("fields", [])
            if not isinstance(fields, list) or len(fields) > 10:
                self.fail(f"{pointer}/fields", "must hold at most 10 fields")
            else:
                for i, field in enumerate(fields):
                    self.text(field, f"{pointer}/fields/{i}", max_len=2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{pointer}/accessory", action_ids,
                             allowed=INTERACTIVE_ELEMENT_TYPES | {"image"})
        elif kind == "header":
            self.text(block.get("text"), f"{pointer}/text", max_len=150, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                self.fail(f"{pointer}/elements", "must hold 1 to 10 elements")
            else:
                for i, el in enumerate(elements):
                    if isinstance(el, dict) and el.get("type") != "image":
                        self.text(el, f"{pointer}/elements/{i}", max_len=3000)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                self.fail(f"{pointer}/elements", "must hold 1 to 25 elements")
            else:
                for i, el in enumerate(elements):
                    self.element(el, f"{pointer}/elements/{i}", action_ids,
                                 allowed=INTERACTIVE_ELEMENT_TYPES)
        elif kind == "input":
            self.text(block.get("label"), f"{pointer}/label", max_len=2000, plain_only=True)
            self.element(block.get("element"), f"{pointer}/element", action_ids,
                         allowed=INPUT_ELEMENT_TYPES)
            if "hint" in block:
                self.text(block["hint"], f"{pointer}/hint", max_len=2000, plain_only=True)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Errors Slack would answer with ``invalid_blocks`` for a message's ``blocks``."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail("/blocks", "must be an array")
    elif len(blocks) > 50:
        checker.fail("/blocks", "must hold at most 50 blocks")
    else:
        ids: set[str] = set()
        for i, block in enumerate(blocks):
            checker.block(block, f"/blocks/{i}", ids, allowed=MESSAGE_BLOCK_TYPES)
    return checker.errors


def validate_view(view: Any, *, kinds: tuple[str, ...] = ("modal",)) -> list[str]:
    """Errors Slack would answer with ``invalid_arguments`` for a ``view`` argument."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("/view", "must be a JSON object")
        return checker.errors
    if view.get("type") not in kinds:
        checker.fail("/view/type", f"must be one of {list(kinds)}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        checker.fail("/view/blocks", "is required and must be an array")
        blocks = []
    elif len(blocks) > 100:
        checker.fail("/view/blocks", "must hold at most 100 blocks")
    ids: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"/view/blocks/{i}", ids, allowed=VIEW_BLOCK_TYPES)
    if view.get("type") == "modal":
        checker.text(view.get("title"), "/view/title", max_len=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text(view[key], f"/view/{key}", max_len=24, plain_only=True)
        if "submit" not in view and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
            checker.fail("/view/submit", "is required when the view holds an input block")
    checker.length(view.get("callback_id"), "/view/callback_id", 255)
    checker.length(view.get("private_metadata"), "/view/private_metadata", 3000)
    checker.length(view.get("external_id"), "/view/external_id", 255)
    return checker.errors


def assign_missing_ids(blocks: list[dict], prefix: str) -> list[dict]:
    """Return a copy of ``blocks`` with a ``block_id`` on every block and an ``action_id``
    on every interactive element, generated where the app gave none (Slack does so too)."""
    blocks = copy.deepcopy(blocks)
    for i, block in enumerate(blocks):
        block.setdefault("block_id", f"{prefix}{i:02d}")
        elements = list(block.get("elements") or [])
        for key in ("element", "accessory"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for j, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") in INTERACTIVE_ELEMENT_TYPES:
                el.setdefault("action_id", f"{block['block_id']}-a{j}")
    return blocks


def _label(block: dict) -> str | None:
    label = block.get("label")
    return label.get("text") if isinstance(label, dict) else None


def input_block_by_label(view: dict, label: str) -> dict:
    """The ``input`` block of ``view`` whose label text equals ``label``."""
    inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
    for block in inputs:
        if _label(block) == label:
            return block
    raise AssertionError(f"no input block labelled {label!r}; labels: {[_label(b) for b in inputs]}")


def _find_option(element: dict, wanted: Any, label: str) -> dict:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options", []))
    for option in options:
        if wanted in (option.get("value"), option.get("text", {}).get("text")):
            return copy.deepcopy(option)
    listing = [(o.get("value"), o.get("text", {}).get("text")) for o in options]
    raise AssertionError(f"{label!r}: {wanted!r} is not among the options (value, text): {listing}")


def _element_state(element: dict, value: Any, given: bool, label: str) -> dict:
    """The state Slack reports for one element, from ``value`` or the element's initial value."""
    kind = element.get("type")
    state: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        state["value"] = value if given else element.get("initial_value")
    elif kind in ("static_select", "radio_buttons"):
        if not given:
            state["selected_option"] = copy.deepcopy(element.get("initial_option"))
        else:
            state["selected_option"] = None if value is None else _find_option(element, value, label)
    elif kind == "external_select":
        if not given:
            state["selected_option"] = copy.deepcopy(element.get("initial_option"))
        elif value is None or isinstance(value, dict):
            state["selected_option"] = value
        else:
            text = {"type": "plain_text", "text": str(value)}
            state["selected_option"] = {"text": text, "value": str(value)}
    elif kind in ("checkboxes", "multi_static_select"):
        if not given:
            state["selected_options"] = copy.deepcopy(element.get("initial_options") or [])
        else:
            state["selected_options"] = [_find_option(element, v, label) for v in value or []]
    else:
        single = {
            "users_select": ("selected_user", "initial_user"),
            "conversations_select": ("selected_conversation", "initial_conversation"),
            "channels_select": ("selected_channel", "initial_channel"),
            "multi_users_select": ("selected_users", "initial_users"),
            "multi_conversations_select": ("selected_conversations", "initial_conversations"),
            "multi_channels_select": ("selected_channels", "initial_channels"),
            "datepicker": ("selected_date", "initial_date"),
            "timepicker": ("selected_time", "initial_time"),
            "datetimepicker": ("selected_date_time", "initial_date_time"),
        }
        if kind not in single:
            raise AssertionError(f"{label!r}: view_state does not know element type {kind!r}")
        key, initial = single[kind]
        state[key] = value if given else element.get(initial)
    return state


def view_state(view: dict, values: dict[str, object]) -> dict:
    """Build ``view.state.values`` as Slack sends it in a ``view_submission``.

    ``values`` maps input labels to what the person chose: a string (or None) for text
    inputs, an option's value or text for selects, a user/conversation id for those
    selects, a list for checkboxes and multi-selects. Every input block of the view is
    reported, as Slack does; those not named in ``values`` keep their initial value
    (None when they have none). Block and action ids are taken from the view as given,
    so pass the view as Slack stored it (``fake.latest_view()``), which has ids on
    every block.
    """
    unknown = set(values)
    state: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        label = _label(block) or ""
        element = block.get("element", {})
        block_id, action_id = block.get("block_id"), element.get("action_id")
        if not block_id or not action_id:
            raise AssertionError(
                f"input {label!r} has no block_id/action_id; use the view as the fake stored it"
            )
        given = label in values
        unknown.discard(label)
        state[block_id] = {action_id: _element_state(element, values.get(label), given, label)}
    for label in unknown:
        input_block_by_label(view, label)  # raises, listing the labels there are
    return state
