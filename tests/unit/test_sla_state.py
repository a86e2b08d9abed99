"""Where each SLA clock stands at a moment (workflows/sla/state.py), what the plan owes
(workflows/sla/plan.py) and how a priority change re-arms it (sla_schedule._rearmed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket, TicketStatus
from workflows.tickets.messages.card import build_ticket_card
from workflows.policy.calendars import calendar_for
from workflows.sla.plan import PlannedNotification, plan_notifications, still_applies
from workflows.sla.schedule import _rearmed
from workflows.sla.state import ClockState, clock_standings
from tests.policies import policy_without_matrix

CONFIG = policy_without_matrix()  # the clocks on their own (the escalation matrix: test_escalation_plan.py)
CAL = calendar_for(CONFIG)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wed 10:00 New York
H = timedelta(hours=1)
M = timedelta(minutes=1)


def _ticket(**overrides) -> Ticket:
    values = dict(
        id=1, team_id="T1", number=1, summary="s", description=None, category="Login problems", priority="P1",
        tier="tier1", status=TicketStatus.NEW, reporter_id="U0REPORTER", assignee_id=None, customer=None,
        created_at=NOW, updated_at=NOW, first_response_due_at=NOW + H, resolution_due_at=NOW + 8 * H,
        next_response_due_at=None, waiting_since=None, paused_seconds=0, first_response_at=None,
        first_response_by=None, resolved_at=None, resolved_by=None, reopen_count=0, source_permalink=None,
        resolution=None, escalation_count=0,
    )
    values.update(overrides)
    return Ticket(**values)


def states(ticket: Ticket, now: datetime) -> dict[str, str]:
    return {s.clock: s.text for s in clock_standings(ticket, CONFIG, CAL, now)}


# ------------------------------------------------------------------------ standings


@pytest.mark.parametrize("after, first_response", [
    (0 * M, "On track · due in 1h"),
    (44 * M, "On track · due in 16m"),
    (45 * M, "At risk · due in 15m"),          # warn_at 0.75 of 1h
    (60 * M, "Breached · overdue now"),
    (75 * M, "Breached · overdue by 15m"),
])
def test_a_running_clock_is_on_track_then_at_risk_then_breached(after, first_response):
    assert states(_ticket(), NOW + after)["first response"] == first_response


def test_stopped_clocks_are_met_or_breached_late():
    answered = _ticket(first_response_at=NOW + 20 * M, first_response_by="U0AGENT")
    assert states(answered, NOW + 3 * H)["first response"] == "Met"
    late = _ticket(first_response_at=NOW + 70 * M, first_response_by="U0AGENT")
    assert states(late, NOW + 3 * H)["first response"] == "Breached · answered 10m late"
    resolved = _ticket(status=TicketStatus.RESOLVED, resolved_at=NOW + 9 * H, first_response_at=NOW + M)
    assert states(resolved, NOW + 10 * H) == {"first response": "Met", "resolution": "Breached · resolved 1h late"}


def test_waiting_pauses_the_resolution_clock_only():
    waiting = _ticket(waiting_since=NOW + H, first_response_at=NOW + M)
    assert states(waiting, NOW + 20 * H) == {"first response": "Met", "resolution": "Paused (waiting on customer)"}
    [standing] = [s for s in clock_standings(waiting, CONFIG, CAL, NOW + 20 * H) if s.clock == "resolution"]
    assert standing.state == ClockState.PAUSED


def test_next_response_warns_at_its_share_of_the_target_from_the_reporters_reply():
    replied = NOW + 2 * H
    ticket = _ticket(first_response_at=NOW + M, next_response_due_at=replied + 2 * H)  # P1: 2h
    assert states(ticket, replied + 89 * M)["next response"] == "On track · due in 31m"
    assert states(ticket, replied + 90 * M)["next response"] == "At risk · due in 30m"


def test_business_hours_risk_is_measured_in_working_time():
    # P2 first response 4h from Wed 16:00: 2h Wednesday, then Monday 08:00-10:00 (holidays between).
    created = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    due = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    ticket = _ticket(priority="P2", created_at=created, first_response_due_at=due, resolution_due_at=due + 40 * H)
    assert states(ticket, datetime(2026, 11, 28, 12, tzinfo=UTC))["first response"].startswith("On track")
    assert states(ticket, datetime(2026, 11, 30, 14, tzinfo=UTC))["first response"].startswith("At risk")


def test_a_priority_no_longer_in_app_yaml_has_no_standings():
    assert clock_standings(_ticket(priority="P7"), CONFIG, CAL, NOW) == []


def test_the_card_shows_standings_only_when_given_now():
    text = str(build_ticket_card(_ticket(), CONFIG, now=NOW + 50 * M))
    assert ":large_yellow_circle: At risk · due in 10m" in text
    assert "At risk" not in str(build_ticket_card(_ticket(), CONFIG))


# ------------------------------------------------------------------------------ plan


def test_plan_has_next_response_warning_and_breach_and_drops_resolution_while_waiting():
    replied = NOW + 2 * H
    ticket = _ticket(first_response_at=NOW + M, next_response_due_at=replied + 2 * H, waiting_since=NOW + 3 * H)
    assert plan_notifications(ticket, CONFIG, CAL) == [
        PlannedNotification(replied + 90 * M, Kind.NEXT_RESPONSE_WARNING),
        PlannedNotification(NOW + 4 * H, Kind.MANAGEMENT_NOTICE),
        PlannedNotification(replied + 2 * H, Kind.NEXT_RESPONSE_BREACH),
    ]


def test_resolution_warning_after_a_pause_is_its_share_of_the_target_before_the_shifted_due():
    ticket = _ticket(first_response_at=NOW + M, resolution_due_at=NOW + 8 * H + 3 * H, paused_seconds=3 * 3600)
    planned = {p.kind: p.due_at for p in plan_notifications(ticket, CONFIG, CAL)}
    assert planned[Kind.RESOLUTION_WARNING] == NOW + 6 * H + 3 * H


def test_still_applies_follows_the_clocks():
    assert still_applies(Kind.NEXT_RESPONSE_BREACH, _ticket(next_response_due_at=NOW))
    assert not still_applies(Kind.NEXT_RESPONSE_WARNING, _ticket())
    assert not still_applies(Kind.RESOLUTION_BREACH, _ticket(waiting_since=NOW))
    assert not still_applies(Kind.MANAGEMENT_NOTICE, _ticket(status=TicketStatus.RESOLVED))


def test_rearming_sends_missed_targets_now_once_and_skips_moot_warnings():
    now = NOW + 30 * M
    planned = [
        PlannedNotification(NOW + 11 * M, Kind.FIRST_RESPONSE_WARNING),
        PlannedNotification(NOW + 15 * M, Kind.FIRST_RESPONSE_BREACH),
        PlannedNotification(NOW + 20 * M, Kind.RESOLUTION_WARNING),
        PlannedNotification(NOW + 2 * H, Kind.RESOLUTION_BREACH),
        PlannedNotification(NOW + 25 * M, Kind.MANAGEMENT_NOTICE),
    ]
    assert _rearmed(planned, now, already={Kind.MANAGEMENT_NOTICE}) == [
        PlannedNotification(now, Kind.FIRST_RESPONSE_BREACH),
        PlannedNotification(now, Kind.RESOLUTION_WARNING),
        PlannedNotification(NOW + 2 * H, Kind.RESOLUTION_BREACH),
    ]
