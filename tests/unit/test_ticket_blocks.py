"""Pure builders: the new-ticket modal, its parsing and validation, and the ticket card."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.tickets import Ticket, TicketStatus
from workflows.block_text import escape, slack_date
from workflows.tickets.messages.card import build_ticket_card, ticket_fallback_text
from workflows.tickets.messages.form import (
    ModalOrigin, TicketForm, build_new_ticket_modal, parse_ticket_form, validate_ticket_form,
)
from tests.policies import example_policy

CONFIG = example_policy()
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _ticket(**overrides) -> Ticket:
    values = dict(
        id=7, team_id="T1", number=42, summary="Cannot log in", description=None, category="Login problems",
        priority="P1", tier="tier1", status=TicketStatus.NEW, reporter_id="U1", assignee_id=None, customer=None,
        created_at=NOW, updated_at=NOW, first_response_due_at=NOW, resolution_due_at=NOW, reopen_count=0,
        source_permalink=None, resolution=None, first_response_at=None, resolved_at=None,
    )
    values.update(overrides)
    return Ticket(**values)


def test_escape_neutralises_mentions_and_links():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape(None) == ""


def test_slack_date_token_carries_epoch_and_fallback():
    assert slack_date(NOW).startswith(f"<!date^{int(NOW.timestamp())}^")
    assert slack_date(NOW).endswith("|2026-11-25 15:00 UTC>")


def test_modal_summary_is_capped_and_origin_round_trips():
    origin = ModalOrigin(channel_id="C1", source_channel_id="C2", source_ts="1.2")
    view = build_new_ticket_modal(CONFIG, summary="x" * 400, origin=origin)
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert len(summary["element"]["initial_value"]) == 150
    assert ModalOrigin.load(view["private_metadata"]) == origin
    assert ModalOrigin.load("not json") == ModalOrigin()
    assert ModalOrigin.load('["list"]') == ModalOrigin()


def test_parse_reads_null_inputs_as_missing():
    values = {
        "summary": {"summary_input": {"type": "plain_text_input", "value": None}},
        "priority": {"priority_select": {"type": "static_select", "selected_option": None}},
    }
    form = parse_ticket_form(values)
    assert form == TicketForm(summary="", description=None, category=None, priority=None, customer=None)
    errors = validate_ticket_form(form, CONFIG)
    assert set(errors) == {"summary", "category", "priority"}


@pytest.mark.parametrize("category", ["login problems", "Nope"])
def test_category_must_match_a_configured_name_exactly(category):
    form = TicketForm(summary="s", description=None, category=category, priority="P2", customer=None)
    assert "category" in validate_ticket_form(form, CONFIG)


def test_valid_form_has_no_errors():
    form = TicketForm(summary="s", description="d", category="Login problems", priority="P0", customer="c")
    assert validate_ticket_form(form, CONFIG) == {}


def test_card_buttons_follow_the_status():
    def buttons(ticket):
        return [e["action_id"] for b in build_ticket_card(ticket, CONFIG) if b["type"] == "actions" for e in b["elements"]]

    assert buttons(_ticket()) == ["ticket_claim", "ticket_escalate", "ticket_declare_incident",
                                  "ticket_wait_on_customer", "ticket_resolve", "ticket_merge", "ticket_assign"]
    # In the triage channel (no tier yet) the card offers Triage too.
    assert buttons(_ticket(tier=None, priority="P2")) == ["ticket_claim", "ticket_triage", "ticket_escalate",
                                                          "ticket_wait_on_customer", "ticket_resolve", "ticket_merge",
                                                          "ticket_assign"]
    assert "ticket_declare_incident" not in buttons(_ticket(priority="P2"))
    assert buttons(_ticket(status=TicketStatus.WAITING, waiting_since=NOW)) == [
        "ticket_claim", "ticket_escalate", "ticket_declare_incident", "ticket_resume", "ticket_resolve", "ticket_merge",
        "ticket_assign"]
    assert buttons(_ticket(status=TicketStatus.RESOLVED, resolved_at=NOW, resolved_by="U2")) == ["ticket_reopen"]
    assert buttons(_ticket(status=TicketStatus.CLOSED, resolved_at=NOW, resolved_by="U2")) == []  # no actions block


def test_card_escapes_user_text_in_mrkdwn():
    card = build_ticket_card(_ticket(customer="<!here>", description="<@U9>"), CONFIG)
    text = str(card)
    assert "&lt;!here&gt;" in text and "&lt;@U9&gt;" in text
    assert "<!here>" not in text.replace("'text': '#42", "")
    assert ticket_fallback_text(_ticket(summary="<!channel>")) == "Ticket #42 [P1] &lt;!channel&gt;"
