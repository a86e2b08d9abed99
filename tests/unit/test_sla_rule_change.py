"""Tickets opened before business-hours ``d``/``w`` meant working days (#24) keep their
stored due times and warnings; a reload moves only the clocks whose own policy changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.sla import SlaNotificationKind as Kind
from models.tickets import Ticket, TicketStatus
from workflows.policy.calendars import calendar_for
from workflows.policy.loader import parse_config
from workflows.sla.plan import plan_notifications
from workflows.sla.retarget import changed_clocks
from workflows.sla.targets import warn_at
from tests.policies import example_policy, example_policy_data

CONFIG = example_policy()
CAL = calendar_for(CONFIG)
CREATED = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # Tue 10:00 New York
OLD_RULE_DUE = datetime(2027, 1, 4, 23, 0, tzinfo=UTC)  # 1w as 168 working hours: Mon 2027-01-04 18:00


def _p3(**overrides) -> Ticket:
    values = dict(
        id=1, team_id="T1", number=1, summary="s", description=None, category="Login problems", priority="P3",
        tier="tier1", status=TicketStatus.NEW, reporter_id="U0REPORTER", assignee_id=None, customer=None,
        created_at=CREATED, updated_at=CREATED, first_response_due_at=None, resolution_due_at=OLD_RULE_DUE,
        next_response_due_at=None, waiting_since=None, paused_seconds=0, first_response_at=CREATED,
        first_response_by="U0AGENT", resolved_at=None, resolved_by=None, reopen_count=0, source_permalink=None,
        resolution=None, escalation_count=0,
    )
    values.update(overrides)
    return Ticket(**values)


def _resolution_warning(ticket: Ticket) -> datetime:
    [warning] = [p.due_at for p in plan_notifications(ticket, CONFIG, CAL) if p.kind == Kind.RESOLUTION_WARNING]
    return warning


def test_an_open_ticket_keeps_its_warning_at_a_share_of_the_time_from_creation():
    assert OLD_RULE_DUE == CAL.add_working_time(CREATED, timedelta(weeks=1))  # what the old rule stored
    warning = _resolution_warning(_p3())
    assert warning == warn_at(CREATED, OLD_RULE_DUE, 0.75, business_hours=True, calendar=CAL)
    assert warning == datetime(2026, 12, 28, 21, 0, tzinfo=UTC)  # Mon 2026-12-28 16:00, as before #24


def test_a_new_ticket_warns_at_a_share_of_its_five_working_days():
    due = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)  # Tue 2026-12-15 10:00
    assert _resolution_warning(_p3(resolution_due_at=due)) == datetime(2026, 12, 11, 22, 30, tzinfo=UTC)  # Fri 17:30


def test_a_paused_ticket_reads_its_start_back_from_its_due_time():
    due = datetime(2026, 12, 16, 15, 0, tzinfo=UTC)  # paused one working day: Wed 2026-12-16 10:00
    # Its clock "started" a working day later than it was opened: Wed 09 10:00, 37.5 working hours on.
    assert _resolution_warning(_p3(resolution_due_at=due, paused_seconds=86400)) == \
        datetime(2026, 12, 14, 22, 30, tzinfo=UTC)  # Mon 2026-12-14 17:30


def _changed(**edits) -> set[str]:
    data = example_policy_data()
    for path, value in edits.items():
        *keys, last = path.split("__")
        node = data
        for key in keys:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return changed_clocks(CONFIG, parse_config(data), "P3", "Login problems")


def test_a_reload_moves_only_the_clocks_whose_own_policy_changed():
    assert _changed() == set()
    assert _changed(priorities__P3__warn_at=0.5) == set()
    assert _changed(priorities__P3__page=True) == set()
    assert _changed(priorities__P3__first_response="16h") == {"first_response"}
    assert _changed(priorities__P3__resolution="2w") == {"resolution"}
    assert _changed(priorities__P3__next_response="1d") == {"next_response"}
    assert _changed(categories__0__resolution="3d") == {"resolution"}
    assert _changed(categories__1__resolution="3d") == set()  # another category
    assert _changed(business_hours__end="17:00") == {"first_response", "resolution", "next_response"}
    assert _changed(priorities__P3__business_hours=False) == {"first_response", "resolution", "next_response"}
