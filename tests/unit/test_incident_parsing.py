"""`/incident …` text and the declare modal's submission, parsed without Slack."""

from __future__ import annotations

import pytest

from workflows.incidents.messages.form import build_declare_incident_modal, parse_declare_incident_form
from workflows.errors import InvalidRequest
from workflows.incidents.commands import IncidentCommand, IncidentSubcommand as Sub, parse_incident_command, parse_user


@pytest.mark.parametrize(("text", "expected"), [
    ("", IncidentCommand(Sub.HELP)),
    ("HELP", IncidentCommand(Sub.HELP)),
    ("declare", IncidentCommand(Sub.DECLARE)),
    ("declare p0 Payments &lt;down&gt; <!here>", IncidentCommand(Sub.DECLARE, priority="P0", text="Payments <down> @here")),
    ("declare Payments down", IncidentCommand(Sub.DECLARE, text="Payments down")),
    ("declare P2", IncidentCommand(Sub.DECLARE, priority="P2")),
    ("update  Rolled back <https://x.example/d|the deploy>", IncidentCommand(
        Sub.UPDATE, text="Rolled back the deploy (https://x.example/d)")),
    ("status all good", IncidentCommand(Sub.UPDATE, text="all good")),
    ("commander <@U0ANA|ana>", IncidentCommand(Sub.COMMANDER, user_id="U0ANA")),
    ("ic <@W0ANA>", IncidentCommand(Sub.COMMANDER, user_id="W0ANA")),
    ("role Comms <@U0BEA|bea>", IncidentCommand(Sub.ROLE, role="comms", user_id="U0BEA")),
    ("role commander U0ANA", IncidentCommand(Sub.COMMANDER, user_id="U0ANA")),
    ("severity p0", IncidentCommand(Sub.SEVERITY, priority="P0")),
    ("sev P2", IncidentCommand(Sub.SEVERITY, priority="P2")),
    ("resolve", IncidentCommand(Sub.RESOLVE)),
    ("resolve Fixed &amp; verified", IncidentCommand(Sub.RESOLVE, text="Fixed & verified")),
    ("post-mortem", IncidentCommand(Sub.POSTMORTEM)),
    ("external Status page updated", IncidentCommand(Sub.EXTERNAL, text="Status page updated")),
    ("external identified Bad deploy &lt;v2&gt;", IncidentCommand(Sub.EXTERNAL, status="identified",
                                                                   text="Bad deploy <v2>")),
    ("customers monitoring Fixed", IncidentCommand(Sub.EXTERNAL, status="monitoring", text="Fixed")),
    ("external Investigating reports of errors", IncidentCommand(Sub.EXTERNAL,
                                                                 text="Investigating reports of errors")),
    ("external monitoring", IncidentCommand(Sub.EXTERNAL, status="monitoring")),
    ("actions", IncidentCommand(Sub.ACTIONS)),
    ("actions #12", IncidentCommand(Sub.ACTIONS, incident_id=12)),
    ("action done 3", IncidentCommand(Sub.ACTION, number=3)),
    ("action done #3", IncidentCommand(Sub.ACTION, number=3)),
    ("action done #12 3", IncidentCommand(Sub.ACTION, number=3, incident_id=12)),
    ("postmortem done <https://wiki.example/pm>", IncidentCommand(Sub.POSTMORTEM, role="done",
                                                                 text="https://wiki.example/pm")),
    ("postmortem done #12 https://wiki.example/pm", IncidentCommand(Sub.POSTMORTEM, role="done", incident_id=12,
                                                                   text="https://wiki.example/pm")),
])
def test_parse(text, expected):
    assert parse_incident_command(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("launch", "is not a command I know"),
    ("declare P3 Typo", "P0, P1 or P2"),
    ("commander", "Mention the person"),
    ("commander @ana", "Mention the person"),
    ("role", "Name the role"),
    ("role comms", "Mention the person"),
    ("severity", "Give the new severity"),
    ("severity high", "Give the new severity"),
    ("external resolved All good", "`/incident resolve summary` resolves the incident"),
    ("actions 12", "`/incident actions #12`"),
    ("action done 12 3", "Give the item's number"),
    ("action done #12 3 4", "Give the item's number"),
    ("action done #12 x", "Give the item's number"),
    ("postmortem done #12", "Give the post-mortem's link"),
])
def test_refused(text, message):
    with pytest.raises(InvalidRequest) as error:
        parse_incident_command(text)
    assert message in error.value.message


def test_parse_user():
    assert parse_user("<@U123ABC|someone>") == "U123ABC"
    assert parse_user("<@U123ABC>") == "U123ABC"
    assert parse_user("<#C123|general>") is None and parse_user("<!channel>") is None


def _submitted(view: dict, **values) -> dict:
    """A view_submission's view with ``values`` keyed by block id (None: left empty)."""
    state: dict = {}
    for block in view["blocks"]:
        element, block_id = block["element"], block["block_id"]
        value = values.get(block_id, element.get("initial_value") or element.get("initial_user")
                           or (element.get("initial_option") or {}).get("value"))
        if element["type"] == "static_select":
            entry = {"type": "static_select", "selected_option": {"value": value} if value else None}
        elif element["type"] == "users_select":
            entry = {"type": "users_select", "selected_user": value}
        else:
            entry = {"type": "plain_text_input", "value": value}
        state[block_id] = {element["action_id"]: entry}
    return {**view, "state": {"values": state}}


def test_modal_defaults_and_parsing(config):
    view = build_declare_incident_modal(config, declarer_id="U0ME", title="DB down", priority="p0", channel_id="C0GEN")
    assert view["callback_id"] == "incident_declare" and len(view["title"]["text"]) <= 24
    form, errors = parse_declare_incident_form(_submitted(view))
    assert errors == {}
    assert (form.title, form.priority, form.description, form.commander_id, form.channel_id) == \
        ("DB down", "P0", None, "U0ME", "C0GEN")
    default = build_declare_incident_modal(config, declarer_id="U0ME")
    form, _ = parse_declare_incident_form(_submitted(default, incident_title="x"))
    assert form.priority == "P1"


def test_modal_field_errors(config):
    view = build_declare_incident_modal(config, declarer_id="U0ME")
    _, errors = parse_declare_incident_form(_submitted(
        view, incident_title="x" * 151, incident_priority="P3", incident_description="d" * 3001,
        incident_commander="C0NOTAUSER"))
    assert set(errors) == {"incident_title", "incident_priority", "incident_description", "incident_commander"}
    _, errors = parse_declare_incident_form(_submitted(view, incident_title=None))
    assert set(errors) == {"incident_title"}
    _, errors = parse_declare_incident_form({"state": None, "private_metadata": "not json"})
    assert set(errors) == {"incident_title", "incident_priority", "incident_commander"}
