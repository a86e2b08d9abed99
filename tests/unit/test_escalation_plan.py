"""The escalation matrix in a ticket's SLA plan (workflows/sla/plan.py): the tier's response
clock, `escalation.after`, `escalation.time_in_tier` and the management notice, each on
the clock the contract names; and which of those rows still apply when they fall due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket, TicketStatus
from tests.policies import example_policy_data
from workflows.policy.calendars import calendar_for
from workflows.policy.loader import parse_config
from workflows.sla.plan import plan_notifications, still_applies
from workflows.sla.state import clock_standings

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wed 10:00 New York
H = timedelta(hours=1)
M = timedelta(minutes=1)


def policy(escalation: dict | None = None, **responses: str):
    data = example_policy_data()
    data.pop("escalation", None)
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
        if tier["id"] in responses:
            tier["response"] = responses[tier["id"]]
    if escalation is not None:
        data["escalation"] = escalation
    return parse_config(data)


def ticket(**overrides) -> Ticket:
    values = dict(
        id=1, team_id="T1", number=1, summary="s", description=None, category="Performance issues", priority="P1",
        tier="tier2", status=TicketStatus.NEW, reporter_id="U0REPORTER", customer=None, created_at=NOW,
        updated_at=NOW, first_response_due_at=NOW + H, resolution_due_at=NOW + 8 * H, next_response_due_at=None,
        waiting_since=None, paused_seconds=0, first_response_at=NOW + 5 * M, reopen_count=0, escalation_count=0,
    )
    values.update(overrides)
    return Ticket(**values)


def plan(t: Ticket, config) -> list[tuple[str, datetime]]:
    return [(p.kind.value, p.due_at) for p in plan_notifications(t, config, calendar_for(config))]


def test_without_an_escalation_section_only_the_management_notice_of_p0_and_p1():
    config = policy()
    assert ("management_notice", NOW + 4 * H) in plan(ticket(), config)
    assert not [k for k, _ in plan(ticket(priority="P2"), config) if k == "management_notice"]
    assert not [k for k, _ in plan(ticket(), config) if k.startswith("escalation_") or k.startswith("tier_")]


def test_timed_escalations_count_from_opening_and_from_entering_the_tier():
    config = policy({"after": {"P1": "2h"}, "time_in_tier": {"Performance issues": {"tier2": "4h", "tier3": "2h"}},
                     "management": {"after": {"P1": "6h"}}})
    rows = plan(ticket(), config)
    assert ("escalation_after", NOW + 2 * H) in rows
    assert ("escalation_time_in_tier", NOW + 4 * H) in rows
    assert ("management_notice", NOW + 6 * H) in rows
    moved = plan(ticket(tier="tier3", tier_entered_at=NOW + 3 * H), config)
    assert ("escalation_time_in_tier", NOW + 5 * H) in moved  # 2h in Engineering, from the escalation


def test_business_hours_priorities_count_working_time():
    config = policy({"after": {"P2": "4h"}, "time_in_tier": {"Performance issues": {"tier2": "10h"}}})
    rows = dict((k, d) for k, d in plan(ticket(priority="P2", first_response_due_at=NOW + 4 * H,
                                               resolution_due_at=NOW + 40 * H), config))
    # Wed 10:00 + 4 working hours = 14:00; + 10 working hours (08:00-18:00): Thanksgiving and
    # the Friday after are holidays, so Monday 10:00
    assert rows["escalation_after"] == NOW + 4 * H
    assert rows["escalation_time_in_tier"] == NOW + 5 * 24 * H


def test_the_tier_response_clock_is_warned_and_breached_and_shows_on_the_card():
    config = policy(tier2="30m")
    t = ticket(tier_entered_at=NOW, tier_response_due_at=NOW + 30 * M)
    rows = plan(t, config)
    assert ("tier_response_warning", NOW + 22 * M + timedelta(seconds=30)) in rows
    assert ("tier_response_breach", NOW + 30 * M) in rows
    [standing] = [s for s in clock_standings(t, config, calendar_for(config), NOW + 25 * M)
                  if s.clock == "tier response"]
    assert standing.text == "At risk · due in 5m"


def test_rows_of_a_previous_tier_no_longer_apply():
    entered = NOW + H
    t = ticket(tier="tier3", tier_entered_at=entered, tier_response_due_at=entered + 15 * M)
    assert not still_applies(Kind.TIER_RESPONSE_BREACH, t, NOW + 30 * M)  # tier 2's, due before the escalation
    assert still_applies(Kind.TIER_RESPONSE_BREACH, t, entered + 15 * M)
    assert not still_applies(Kind.ESCALATION_TIME_IN_TIER, t, entered)
    assert still_applies(Kind.ESCALATION_TIME_IN_TIER, t, entered + 2 * H)
    assert not still_applies(Kind.TIER_RESPONSE_WARNING, ticket(tier_response_due_at=None), NOW)
    assert not still_applies(Kind.ESCALATION_AFTER, ticket(status=TicketStatus.RESOLVED), NOW)
