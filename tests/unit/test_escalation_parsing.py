"""`/escalate` text and the escalate modal, parsed."""

from __future__ import annotations

import json

import pytest

from workflows.escalation.messages import build_escalate_modal, parse_escalate_form
from workflows.errors import InvalidRequest
from workflows.escalation.commands import EscalateCommand, parse_escalate_command


def test_bare_command_opens_the_modal():
    assert parse_escalate_command("   ") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#42 customer blocked", EscalateCommand(42, "customer blocked")),
        ("42 customer blocked", EscalateCommand(42, "customer blocked")),
        ("#7 db down impact: all users", EscalateCommand(7, "db down", "all users")),
        ("#7 db down Impact:   ", EscalateCommand(7, "db down", None)),
    ],
)
def test_number_reason_and_impact(text, expected):
    assert parse_escalate_command(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("please help", "Name the ticket first"),
        ("#42", "Say why #42 needs the next tier"),
        ("#42 impact: everyone", "Say why #42 needs the next tier"),
        ("#42 " + "x" * 1001, "Keep the reason to 1000 characters"),
    ],
)
def test_bad_commands_say_what_is_wrong(text, message):
    with pytest.raises(InvalidRequest) as error:
        parse_escalate_command(text)
    assert message in error.value.message


def _submitted(view, values):
    state = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            state[block["block_id"]] = {block["element"]["action_id"]: {"type": "plain_text_input",
                                                                          "value": values.get(block["label"]["text"])}}
    return {**view, "state": {"values": state}}


def test_modal_from_the_card_needs_only_a_reason():
    view = build_escalate_modal(ticket_id=5, number=42)
    assert json.loads(view["private_metadata"]) == {"ticket_id": 5}
    form, errors = parse_escalate_form(_submitted(view, {"Reason": " stuck ", "Impact": None}))
    assert errors == {}
    assert (form.ticket_id, form.number, form.reason, form.impact) == (5, None, "stuck", None)


def test_modal_without_a_ticket_validates_number_and_reason():
    view = build_escalate_modal()
    form, errors = parse_escalate_form(_submitted(view, {"Ticket number": "abc", "Reason": None}))
    assert set(errors) == {"escalate_ticket", "escalate_reason"}
    form, errors = parse_escalate_form(_submitted(view, {"Ticket number": "#9", "Reason": "why"}))
    assert errors == {} and form.number == 9


def test_forged_private_metadata_is_ignored():
    view = {**build_escalate_modal(ticket_id=5), "private_metadata": "{not json"}
    _, errors = parse_escalate_form(_submitted(view, {"Reason": "r"}))
    assert "escalate_ticket" in errors
