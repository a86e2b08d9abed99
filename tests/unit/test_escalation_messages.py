"""The words of escalation: the mention that heads a request, the reporter's notice, the
notice for a ticket at the end of its path."""

from __future__ import annotations

from datetime import UTC, datetime

from models.tickets import Ticket, TicketStatus
from tests.policies import example_policy
from workflows.escalation.messages import EscalationFacts, escalation_request_text, mention_markup

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def ticket(**values) -> Ticket:
    defaults = dict(id=4, number=12, summary="Checkout <b> & fails", category="Payment failed", priority="P1",
                    tier="tier2", status=TicketStatus.OPEN, reporter_id="U0REPORTER", created_at=NOW,
                    permalink="https://slack.invalid/p1", customer=None)
    return Ticket(**{**defaults, **values})


def test_mentions_as_slack_markup():
    assert mention_markup(None) is None
    assert mention_markup("S0TIER2GRP") == "<!subteam^S0TIER2GRP>"
    assert mention_markup("U0LEAD0001") == "<@U0LEAD0001>"
    assert mention_markup("W0LEAD0001") == "<@W0LEAD0001>"
    assert mention_markup("here") == "<!here>"
    assert mention_markup("oncall", oncall_primary="U0PRIMARY1") == "<@U0PRIMARY1>"
    assert mention_markup("oncall", oncall_primary=None) is None  # nobody on call: no mention


def test_a_request_without_a_mention_names_the_tier_only():
    config = example_policy()
    facts = EscalationFacts(ticket=ticket(), from_tier="tier1", to_tier=config.tier("tier2"), reason="r",
                            impact=None, time_open="1m", attempts=0, escalated_by=None)
    assert escalation_request_text(facts) == "Escalation request: ticket #12 needs Technical"
    assert escalation_request_text(facts, "<!here>") == "<!here> Escalation request: ticket #12 needs Technical"
