"""Pure builders of #19's two forms: the merge form (the card's *Merge into…*) and the
`/ticket` form prefilled for a follow-up (its link in private_metadata)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from models.tickets import Ticket, TicketStatus
from tests.policies import example_policy
from workflows.tickets.messages.form import ModalOrigin, build_new_ticket_modal
from workflows.tickets.messages.merge_form import MergeForm, build_merge_modal, parse_merge_form, validate_merge_form

CONFIG = example_policy()
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _ticket() -> Ticket:
    return Ticket(id=7, team_id="T1", number=42, summary="Cannot <pay>", category="Payment failed", priority="P1",
                  status=TicketStatus.NEW, reporter_id="U1", created_at=NOW, updated_at=NOW)


def _submitted(typed: object, metadata: str | None = None) -> dict:
    view = build_merge_modal(_ticket())
    if metadata is not None:
        view["private_metadata"] = metadata
    view["state"] = {"values": {"merge_into": {"merge_into_input": {"type": "plain_text_input", "value": typed}}}}
    return view


def test_the_merge_form_names_its_ticket_and_asks_for_one_number():
    view = build_merge_modal(_ticket())
    assert (view["callback_id"], json.loads(view["private_metadata"])) == ("ticket_merge", {"ticket_id": 7})
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert (field["block_id"], field["element"]["type"]) == ("merge_into", "plain_text_input")


@pytest.mark.parametrize("typed, into", [("42", 42), (" #17 ", 17), ("#0", 0), ("17 18", None), ("١٢", None),
                                         ("-3", None), ("1234567890", None), (None, None), ("", None)])
def test_only_a_ticket_number_is_read(typed, into):
    form = parse_merge_form(_submitted(typed))
    assert (form.ticket_id, form.into) == (7, into)
    errors = validate_merge_form(form)
    assert (errors == {}) == (into is not None)


@pytest.mark.parametrize("metadata", ["", "nope", '{"ticket_id": "7"}', '{"ticket_id": true}', "[7]", 7])
def test_a_form_without_its_ticket_is_refused(metadata):
    form = parse_merge_form(_submitted("42", metadata))
    assert form.ticket_id is None and set(validate_merge_form(form)) == {"merge_into"}


def test_a_field_error_repeats_what_was_typed():
    assert validate_merge_form(MergeForm(ticket_id=7, into=None, typed="two")) == {
        "merge_into": "“two” is not a ticket number. Type the number of the ticket this one duplicates, e.g. 42."}


def test_the_follow_up_form_is_prefilled_and_carries_its_link():
    origin = ModalOrigin(channel_id="C1", follows_up_id=7)
    view = build_new_ticket_modal(CONFIG, summary="Follow-up to #42: Cannot pay", origin=origin,
                                  category="Payment failed", priority="P1", customer="Someone Ltd")
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["category"]["initial_option"]["value"] == "Payment failed"
    assert inputs["priority"]["initial_option"]["value"] == "P1"
    assert inputs["customer"]["initial_value"] == "Someone Ltd"  # not one of app.yaml's customers
    assert ModalOrigin.load(view["private_metadata"]) == origin
    assert ModalOrigin.load('{"follows_up_id": "7"}').follows_up_id is None
    assert ModalOrigin.load('{"follows_up_id": -7}').follows_up_id is None
