"""Pure builders of the ticket lifecycle: the Resolve modal, the survey, the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.tickets import Ticket, TicketStatus
from tests.fakes.slack import view_state
from tests.fakes.slack_views import validate_message_blocks, validate_view
from tests.ticket_steps import mrkdwn_texts
from workflows.tickets.messages.csat import (
    build_csat_survey_message,
    build_csat_thanks_message,
    csat_survey_text,
    parse_rating_value,
)
from workflows.tickets.messages.resolution import (
    build_resolution_summary_message,
    resolution_summary_text,
)
from workflows.tickets.messages.resolve_form import (
    ResolutionForm,
    build_resolve_modal,
    parse_resolve_form,
    resolve_modal_ticket_id,
    validate_resolve_form,
)
from workflows.errors import InvalidRequest

CREATED = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def make_ticket(**overrides) -> Ticket:
    values = {"id": 42, "team_id": "T1", "number": 7, "summary": "Cannot log in", "category": "Login problems",
              "priority": "P1", "status": TicketStatus.NEW, "reporter_id": "U0REPORTER", "created_at": CREATED,
              "updated_at": CREATED, "reopen_count": 0}
    values.update(overrides)
    return Ticket(**values)


# -- the modal ------------------------------------------------------------------------


def test_modal_asks_for_resolution_root_cause_and_follow_up():
    view = build_resolve_modal(make_ticket())
    assert validate_view(view) == []
    assert view["callback_id"] == "ticket_resolve" and view["private_metadata"] == "42"
    assert view["title"]["text"] == "Resolve #7"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["label"]["text"], b["block_id"], b["optional"]) for b in inputs] == [
        ("Resolution", "resolution", False), ("Root cause", "root_cause", True),
        ("Follow-up needed", "follow_up", True)]
    assert inputs[0]["element"]["multiline"] is True


def test_modal_escapes_the_summary():
    view = build_resolve_modal(make_ticket(summary="<!channel> help"))
    text = " ".join(mrkdwn_texts(view["blocks"]))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_parse_reads_values_and_treats_null_and_blank_as_empty():
    view = build_resolve_modal(make_ticket())
    form = parse_resolve_form(view_state(view, {"Resolution": "  Reset it  ", "Root cause": None,
                                                "Follow-up needed": "   "}))
    assert form == ResolutionForm(resolution="Reset it", root_cause=None, follow_up=None)
    assert parse_resolve_form({}) == ResolutionForm(resolution="")
    assert parse_resolve_form({"resolution": "junk", "root_cause": {"root_cause_input": []}}).resolution == ""


def test_validation_keys_errors_by_block():
    assert validate_resolve_form(ResolutionForm("Fixed")) == {}
    assert set(validate_resolve_form(ResolutionForm(""))) == {"resolution"}
    assert set(validate_resolve_form(ResolutionForm("x" * 3001))) == {"resolution"}
    too_long = ResolutionForm("ok", root_cause="x" * 2001, follow_up="y" * 2001)
    assert set(validate_resolve_form(too_long)) == {"root_cause", "follow_up"}


@pytest.mark.parametrize("raw, expected", [("42", 42), (" 7 ", 7), ("", None), (None, None), ("4x", None),
                                           ("-1", None), ("9" * 40, None)])
def test_private_metadata_names_the_ticket(raw, expected):
    assert resolve_modal_ticket_id(raw) == expected


# -- the survey ----------------------------------------------------------------------


def test_survey_has_five_buttons_carrying_ticket_and_rating():
    ticket = make_ticket()
    blocks = build_csat_survey_message(ticket)
    assert validate_message_blocks(blocks) == []
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == "csat"
    assert [parse_rating_value(e["value"]) for e in actions["elements"]] == [(42, r) for r in range(1, 6)]
    assert len({e["action_id"] for e in actions["elements"]}) == 5
    assert csat_survey_text(ticket).startswith("How did we do on #7")


@pytest.mark.parametrize("value", [None, "", "42", "42:0", "42:6", "x:3", "42:3:1", ":3"])
def test_forged_rating_values_are_refused(value):
    with pytest.raises(InvalidRequest):
        parse_rating_value(value)


def test_thanks_replaces_the_buttons():
    blocks = build_csat_thanks_message(make_ticket(summary="<@U1>"), 4)
    assert validate_message_blocks(blocks) == []
    assert not [b for b in blocks if b["type"] == "actions"]
    text = " ".join(mrkdwn_texts(blocks))
    assert "you rated #7 4/5" in text and "<@U1>" not in text


# -- the summary ---------------------------------------------------------------------


def test_summary_names_ticket_time_and_the_given_parts_escaped():
    ticket = make_ticket(status=TicketStatus.RESOLVED, resolved_by="U0AGENT",
                         resolved_at=CREATED + timedelta(days=1, hours=2, minutes=5),
                         resolution="Reset <!everyone>", root_cause="Token & cache", follow_up=None)
    blocks = build_resolution_summary_message(ticket)
    assert validate_message_blocks(blocks) == []
    text = " ".join(mrkdwn_texts(blocks))
    assert "Ticket #7 resolved" in text and "<@U0AGENT>" in text and "1d 2h 5m" in text
    assert "Reset &lt;!everyone&gt;" in text and "Token &amp; cache" in text
    assert "*Root cause*" in text and "Follow-up" not in text
    assert "<!everyone>" not in resolution_summary_text(ticket)


def test_summary_caps_very_long_text():
    ticket = make_ticket(status=TicketStatus.RESOLVED, resolved_by="U0AGENT", resolved_at=CREATED,
                         resolution="<" * 3000, follow_up="f" * 5000)
    blocks = build_resolution_summary_message(ticket)
    assert validate_message_blocks(blocks) == []
    assert "0s" in " ".join(mrkdwn_texts(blocks))
