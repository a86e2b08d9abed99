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
                    tier="tier2", status=TicketStatus.NEW, reporter_id="U0REPORTER", created_at=NOW,
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


def test_the_reporters_notice_names_the_team_and_its_response_target():
    from workflows.escalation.messages import reporter_escalation_text

    text = reporter_escalation_text(number=12, summary="Checkout <b> & fails", priority="P1 · High",
                                    tier="Technical", response="30m", response_due=NOW,
                                    permalink="https://slack.invalid/p1")
    assert text.startswith(":arrow_up: Your ticket <https://slack.invalid/p1|#12> (P1 · High)")
    assert "“Checkout &lt;b&gt; &amp; fails”" in text and "*Technical*, a specialist team" in text
    assert f"within 30m (by <!date^{int(NOW.timestamp())}^" in text
    bare = reporter_escalation_text(number=12, summary="s", priority="P3 · Low", tier="Frontline", response=None,
                                    response_due=None)
    assert "*#12*" in bare and "They will pick it up in the ticket's thread." in bare


def test_the_end_of_path_notice_says_why_and_where_it_stays():
    from workflows.escalation.messages import end_of_path_text

    text = end_of_path_text(ticket(), reason="unresolved after 30m (P0)", tier_name="Engineering")
    assert "#12 is due to move on (unresolved after 30m (P0))" in text
    assert "already at the last tier of its escalation path (Engineering)" in text
