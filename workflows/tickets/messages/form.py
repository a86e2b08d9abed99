"""The /ticket modal and the parsing of what Slack sends back when it is submitted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workflows.policy.schema import AppConfig
from workflows.tickets.ids import TicketAction, TicketBlock, TicketView
from workflows.block_text import PLAIN_OPTION_MAX, cap, mrkdwn, plain
from workflows.button_values import parse_row_id

SUMMARY_MAX = 150
DESCRIPTION_MAX = 3000
CUSTOMER_MAX = 200
DEFAULT_PRIORITY = "P2"
PRIVATE_METADATA_MAX = 3000
#: Slack's most options in a static_select; customers past it are typed in the Customer box.
SELECT_OPTIONS_MAX = 100


PRIVATE_VALUE = "private"
PRIVATE_SOURCE_NOTE = (":lock: The message is in a private conversation, so this ticket will be private: only you, "
                       "whoever works on it and the support desk will see its details.")


@dataclass(frozen=True)
class ModalOrigin:
    """Where the modal was opened from, carried through Slack in private_metadata.
    ``private``: the source message is in a private conversation (the ticket will be);
    ``follows_up_id``: the closed ticket this one follows up (its thread's *Open a
    follow-up ticket*; checked again when the form is submitted)."""

    channel_id: str | None = None
    source_channel_id: str | None = None
    source_ts: str | None = None
    private: bool = False
    follows_up_id: int | None = None

    def dump(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if v}
        return json.dumps(data)[:PRIVATE_METADATA_MAX]

    @classmethod
    def load(cls, raw: str | None) -> ModalOrigin:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        follows_up = data.get("follows_up_id")
        return cls(**{k: str(data[k]) for k in ("channel_id", "source_channel_id", "source_ts") if data.get(k)},
                   private=data.get("private") is True,
                   follows_up_id=parse_row_id(str(follows_up)) if type(follows_up) is int else None)  # noqa: E721


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, PLAIN_OPTION_MAX), "value": value}


def _input(block_id: TicketBlock, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": str(block_id), "label": plain(label), "element": element, "optional": optional}


def build_new_ticket_modal(
    config: AppConfig, *, summary: str = "", description: str = "", origin: ModalOrigin = ModalOrigin(),
    source_note: str | None = None, intro_blocks: Sequence[dict[str, Any]] = (), customer: str | None = None,
    category: str | None = None, priority: str | None = None, private_note: str = PRIVATE_SOURCE_NOTE,
) -> dict[str, Any]:
    """The modal /ticket opens; labels are exactly Summary, Description, Category, Priority, Customer
    and Private (a checkbox; for a message in a private conversation a note that the
    ticket will be private instead). With ``customers`` in app.yaml a "Known customer"
    select of them comes before the Customer box (which still takes any name); ``customer``
    preselects one (the customer of the channel a message was in; another name goes in the
    Customer box). ``category`` and ``priority`` preselect those (default: no category, P2);
    ``private_note`` says why a ``private`` origin's ticket will be private.

    ``intro_blocks`` go above the form (the knowledge-base articles that may answer it,
    ``workflows.kb.messages.build_kb_suggestion_blocks``)."""
    summary_input: dict[str, Any] = {"type": "plain_text_input", "action_id": str(TicketAction.SUMMARY), "max_length": SUMMARY_MAX}
    if summary.strip():
        summary_input["initial_value"] = cap(summary.strip(), SUMMARY_MAX)
    description_input: dict[str, Any] = {
        "type": "plain_text_input", "action_id": str(TicketAction.DESCRIPTION), "multiline": True, "max_length": DESCRIPTION_MAX,
    }
    if description.strip():
        description_input["initial_value"] = cap(description.strip(), DESCRIPTION_MAX)
    priorities = [_option(f"{pid} · {p.name}", pid) for pid, p in config.priorities.items()]
    default = next((o for o in priorities if o["value"] == (priority or DEFAULT_PRIORITY)), None) or \
        next((o for o in priorities if o["value"] == DEFAULT_PRIORITY), priorities[-1])
    category_select: dict[str, Any] = {
        "type": "static_select", "action_id": str(TicketAction.CATEGORY), "placeholder": plain("What is it about?"),
        "options": [_option(c.name, c.name) for c in config.categories],
    }
    chosen = next((o for o in category_select["options"] if category and o["value"] == category), None)
    if chosen is not None:
        category_select["initial_option"] = chosen
    customer_input: dict[str, Any] = {
        "type": "plain_text_input", "action_id": str(TicketAction.CUSTOMER), "max_length": CUSTOMER_MAX,
        "placeholder": plain("Name or email of the affected customer"),
    }
    if customer and config.customer(customer) is None:  # not one of app.yaml's: typed in the box
        customer_input["initial_value"] = cap(customer, CUSTOMER_MAX)
    blocks: list[dict[str, Any]] = list(intro_blocks)
    if source_note:
        blocks.append({"type": "context", "elements": [mrkdwn(source_note)]})
    blocks += [
        _input(TicketBlock.SUMMARY, "Summary", summary_input),
        _input(TicketBlock.DESCRIPTION, "Description", description_input, optional=True),
        _input(TicketBlock.CATEGORY, "Category", category_select),
        _input(TicketBlock.PRIORITY, "Priority", {
            "type": "static_select", "action_id": str(TicketAction.PRIORITY), "options": priorities, "initial_option": default,
        }),
        *_known_customer_blocks(config, customer),
        _input(TicketBlock.CUSTOMER, "Customer", customer_input, optional=True),
    ]
    if origin.private:
        blocks.append({"type": "context", "elements": [mrkdwn(private_note)]})
    else:
        blocks.append(_input(TicketBlock.PRIVATE, "Private", {
            "type": "checkboxes", "action_id": str(TicketAction.PRIVATE), "options": [{
                "text": plain("Private ticket"), "value": PRIVATE_VALUE,
                "description": plain("Only you, whoever works on it and the support desk see its details", 75)}],
        }, optional=True))
    return {
        "type": "modal",
        "callback_id": str(TicketView.NEW_TICKET),
        "title": plain("New support ticket", 24),
        "submit": plain("Open ticket"),
        "close": plain("Cancel"),
        "private_metadata": origin.dump(),
        "blocks": blocks,
    }


def _known_customer_blocks(config: AppConfig, customer: str | None) -> list[dict[str, Any]]:
    if not config.customers:
        return []
    options = [_option(c.name, c.name) for c in config.customers[:SELECT_OPTIONS_MAX]]
    select: dict[str, Any] = {"type": "static_select", "action_id": str(TicketAction.KNOWN_CUSTOMER),
                              "placeholder": plain("One of our customers"), "options": options}
    chosen = next((o for o in options if customer and o["value"] == customer), None)
    if chosen is not None:
        select["initial_option"] = chosen
    return [_input(TicketBlock.KNOWN_CUSTOMER, "Known customer", select, optional=True)]


@dataclass(frozen=True)
class TicketForm:
    summary: str
    description: str | None
    category: str | None
    priority: str | None
    customer: str | None  # the known customer picked, else the name typed
    private: bool = False  # "Private ticket" ticked
    picked_customer: str | None = None  # what the "Known customer" select sent (checked against app.yaml)


def _ticked(values: dict[str, Any], block: TicketBlock, action: TicketAction, value: str) -> bool:
    state = values.get(str(block))
    state = state.get(str(action)) if isinstance(state, dict) else None
    selected = state.get("selected_options") if isinstance(state, dict) else None
    return isinstance(selected, list) and any(isinstance(o, dict) and o.get("value") == value for o in selected)


def _value(values: dict[str, Any], block: TicketBlock, action: TicketAction) -> Any:
    state = values.get(str(block), {}).get(str(action), {})
    if not isinstance(state, dict):
        return None
    if state.get("type") == "static_select":
        option = state.get("selected_option") or {}
        return option.get("value") if isinstance(option, dict) else None
    return state.get("value")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def parse_ticket_form(state_values: dict[str, Any]) -> TicketForm:
    """Pull plain values out of ``view.state.values``; Slack sends null for empty inputs."""
    picked = _text(_value(state_values, TicketBlock.KNOWN_CUSTOMER, TicketAction.KNOWN_CUSTOMER))
    return TicketForm(
        summary=_text(_value(state_values, TicketBlock.SUMMARY, TicketAction.SUMMARY)) or "",
        description=_text(_value(state_values, TicketBlock.DESCRIPTION, TicketAction.DESCRIPTION)),
        category=_text(_value(state_values, TicketBlock.CATEGORY, TicketAction.CATEGORY)),
        priority=_text(_value(state_values, TicketBlock.PRIORITY, TicketAction.PRIORITY)),
        customer=picked or _text(_value(state_values, TicketBlock.CUSTOMER, TicketAction.CUSTOMER)),
        private=_ticked(state_values, TicketBlock.PRIVATE, TicketAction.PRIVATE, PRIVATE_VALUE),
        picked_customer=picked,
    )


def validate_ticket_form(form: TicketForm, config: AppConfig) -> dict[str, str]:
    """Field errors keyed by block_id (``response_action: errors``); empty when valid."""
    errors: dict[str, str] = {}
    if not form.summary:
        errors[TicketBlock.SUMMARY] = "Please write a short summary of the problem."
    elif len(form.summary) > SUMMARY_MAX:
        errors[TicketBlock.SUMMARY] = f"Keep the summary to {SUMMARY_MAX} characters (it has {len(form.summary)})."
    if form.description and len(form.description) > DESCRIPTION_MAX:
        errors[TicketBlock.DESCRIPTION] = f"Keep the description to {DESCRIPTION_MAX} characters."
    if not form.category:
        errors[TicketBlock.CATEGORY] = "Pick a category."
    elif config.category(form.category) is None or config.category(form.category).name != form.category:
        errors[TicketBlock.CATEGORY] = f"'{cap(form.category, 60)}' is not one of the categories; pick one from the list."
    if not form.priority:
        errors[TicketBlock.PRIORITY] = "Pick a priority."
    elif form.priority not in config.priorities:
        errors[TicketBlock.PRIORITY] = f"'{cap(form.priority, 20)}' is not a priority; pick P0, P1, P2 or P3."
    if form.picked_customer and config.customer(form.picked_customer) is None:
        errors[TicketBlock.KNOWN_CUSTOMER] = (f"'{cap(form.picked_customer, 60)}' is not one of our customers; "
                                              "pick one from the list or type the name in Customer.")
    elif form.customer and len(form.customer) > CUSTOMER_MAX:
        errors[TicketBlock.CUSTOMER] = f"Keep the customer to {CUSTOMER_MAX} characters."
    return {str(k): v for k, v in errors.items()}


def source_note(channel_id: str, user_id: str | None) -> str:
    who = f" by <@{user_id}>" if user_id else ""
    return f"From a message{who} in <#{channel_id}>. The ticket will link to it."


__all__ = [
    "ModalOrigin", "TicketForm", "build_new_ticket_modal", "parse_ticket_form", "validate_ticket_form",
    "source_note",
]
