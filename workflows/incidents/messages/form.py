"""The declare-incident modal (bare `/incident declare`) and the parsing of its submission.

Slack sends ``"value": null`` for an empty input and submissions can be forged, so
``parse_declare_incident_form`` checks every field itself and returns field errors
keyed by block_id (``response_action: errors``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from workflows.policy.schema import AppConfig
from workflows.incidents.ids import IncidentAction, IncidentBlock, IncidentView
from workflows.incidents.messages.posts import priority_label
from workflows.block_text import PLAIN_OPTION_MAX, cap, plain
from workflows.incidents.rules import DESCRIPTION_MAX, INCIDENT_PRIORITIES, TITLE_MAX, parse_priority

DEFAULT_PRIORITY = "P1"
_USER_ID_START = ("U", "W")


def _input(block: IncidentBlock, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {"type": "input", "block_id": str(block), "label": plain(label), "element": element,
                             "optional": optional}
    if hint:
        built["hint"] = plain(hint)
    return built


def build_declare_incident_modal(
    config: AppConfig, *, declarer_id: str, title: str = "", priority: str | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """Title, Priority, Description, Commander (the declarer unless changed)."""
    options = [{"text": plain(priority_label(config, p), PLAIN_OPTION_MAX), "value": p} for p in INCIDENT_PRIORITIES]
    chosen = parse_priority(priority) or DEFAULT_PRIORITY
    title_input: dict[str, Any] = {"type": "plain_text_input", "action_id": str(IncidentAction.INCIDENT_TITLE),
                                   "max_length": TITLE_MAX, "placeholder": plain("What is broken, in a few words")}
    if title.strip():
        title_input["initial_value"] = cap(title.strip(), TITLE_MAX)
    blocks = [
        _input(IncidentBlock.INCIDENT_TITLE, "Title", title_input),
        _input(IncidentBlock.INCIDENT_PRIORITY, "Priority", {
            "type": "static_select", "action_id": str(IncidentAction.INCIDENT_PRIORITY), "options": options,
            "initial_option": next(o for o in options if o["value"] == chosen),
        }, hint="P0 and P1 page on-call."),
        _input(IncidentBlock.INCIDENT_DESCRIPTION, "Description", {
            "type": "plain_text_input", "action_id": str(IncidentAction.INCIDENT_DESCRIPTION), "multiline": True,
            "max_length": DESCRIPTION_MAX, "placeholder": plain("Impact: what is affected, and how many users"),
        }, optional=True),
        _input(IncidentBlock.INCIDENT_COMMANDER, "Commander", {
            "type": "users_select", "action_id": str(IncidentAction.INCIDENT_COMMANDER), "initial_user": declarer_id,
        }, hint="Runs the incident and posts the status updates."),
    ]
    return {
        "type": "modal", "callback_id": str(IncidentView.DECLARE_INCIDENT), "title": plain("Declare an incident", 24),
        "submit": plain("Declare"), "close": plain("Cancel"),
        "private_metadata": json.dumps({"channel_id": channel_id} if channel_id else {}), "blocks": blocks,
    }


@dataclass(frozen=True)
class IncidentForm:
    title: str
    priority: str
    description: str | None
    commander_id: str
    channel_id: str | None = None  # where `/incident declare` was typed


def _state(values: dict[str, Any], block: IncidentBlock, action: IncidentAction) -> dict[str, Any]:
    state = values.get(str(block), {}).get(str(action), {})
    return state if isinstance(state, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_declare_incident_form(view: dict[str, Any]) -> tuple[IncidentForm, dict[str, str]]:
    """The submitted modal and its field errors (keyed by block_id; empty when valid)."""
    values = (view.get("state") or {}).get("values") or {}
    title = _text(_state(values, IncidentBlock.INCIDENT_TITLE, IncidentAction.INCIDENT_TITLE).get("value")) or ""
    option = _state(values, IncidentBlock.INCIDENT_PRIORITY, IncidentAction.INCIDENT_PRIORITY).get("selected_option")
    raw_priority = option.get("value") if isinstance(option, dict) else None
    description = _text(_state(values, IncidentBlock.INCIDENT_DESCRIPTION, IncidentAction.INCIDENT_DESCRIPTION).get("value"))
    commander = _text(_state(values, IncidentBlock.INCIDENT_COMMANDER, IncidentAction.INCIDENT_COMMANDER).get("selected_user")) or ""
    errors: dict[str, str] = {}
    if not title:
        errors[str(IncidentBlock.INCIDENT_TITLE)] = "Give the incident a short title."
    elif len(title) > TITLE_MAX:
        errors[str(IncidentBlock.INCIDENT_TITLE)] = f"Keep the title to {TITLE_MAX} characters."
    priority = parse_priority(raw_priority if isinstance(raw_priority, str) else None)
    if priority is None:
        errors[str(IncidentBlock.INCIDENT_PRIORITY)] = "Pick P0, P1 or P2."
    if description and len(description) > DESCRIPTION_MAX:
        errors[str(IncidentBlock.INCIDENT_DESCRIPTION)] = f"Keep the description to {DESCRIPTION_MAX} characters."
    if not commander.startswith(_USER_ID_START):
        errors[str(IncidentBlock.INCIDENT_COMMANDER)] = "Pick the incident commander."
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    channel = meta.get("channel_id") if isinstance(meta, dict) else None
    form = IncidentForm(title=title, priority=priority or DEFAULT_PRIORITY, description=description,
                        commander_id=commander, channel_id=channel if isinstance(channel, str) else None)
    return form, errors
