"""The lifecycle's transition table: every allowed and every refused transition, the row
each writes, and who may fire each event (the authority matrix's part in it)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from models.tickets import OPEN_STATUSES, Ticket, TicketEventKind
from models.tickets import TicketStatus as S
from workflows.access.authority import ActorRoles
from workflows.errors import InvalidState
from workflows.tickets.states import (
    OPEN,
    TABLE,
    WORKING,
    Event,
    allows,
    desk_owes_update,
    is_done,
    is_open,
    may_fire,
    refusal,
    require_open,
    target_of,
    transition_for,
    words,
    working_state,
)

E = Event
K = TicketEventKind
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WORKING_STATES = (S.NEW, S.TRIAGED, S.IN_PROGRESS)
OPEN_STATES = (*WORKING_STATES, S.WAITING)

# Written out on its own (not read from the module): what the lifecycle must be.
EXPECTED: dict[tuple[Event, S], tuple[S | str, TicketEventKind]] = {
    **{(E.TRIAGE, s): (WORKING, K.TRIAGED) for s in WORKING_STATES},
    **{(E.CLAIM, s): (S.IN_PROGRESS, K.CLAIMED) for s in WORKING_STATES},
    (E.CLAIM, S.WAITING): (S.WAITING, K.CLAIMED),
    **{(E.ASSIGN, s): (S.IN_PROGRESS, K.ASSIGNED) for s in WORKING_STATES},
    (E.ASSIGN, S.WAITING): (S.WAITING, K.ASSIGNED),
    **{(E.WAIT, s): (S.WAITING, K.WAITING_ON_CUSTOMER) for s in WORKING_STATES},
    (E.CUSTOMER_REPLY, S.WAITING): (WORKING, K.RESUMED),
    (E.CUSTOMER_REPLY, S.RESOLVED): (WORKING, K.REOPENED),
    (E.RESUME, S.WAITING): (WORKING, K.RESUMED),
    **{(E.RESOLVE, s): (S.RESOLVED, K.RESOLVED) for s in OPEN_STATES},
    (E.CONFIRM, S.RESOLVED): (S.CLOSED, K.CONFIRMED),
    (E.REOPEN, S.RESOLVED): (WORKING, K.REOPENED),
    (E.CLOSE, S.RESOLVED): (S.CLOSED, K.CLOSED),
    **{(E.MERGE, s): (S.RESOLVED, K.MERGED) for s in OPEN_STATES},
}
ALL_PAIRS = list(product(Event, S))


def test_the_table_is_exactly_the_expected_one():
    assert {pair: (t.target, t.row) for pair, t in TABLE.items()} == EXPECTED
    assert all(t.event == event and t.source == state for (event, state), t in TABLE.items())


@pytest.mark.parametrize(("event", "state"), [pair for pair in ALL_PAIRS if pair in EXPECTED])
def test_allowed_transition(event, state):
    transition = transition_for(event, state, number=7)
    assert (transition.target, transition.row) == EXPECTED[(event, state)]
    assert allows(event, state)


@pytest.mark.parametrize(("event", "state"), [pair for pair in ALL_PAIRS if pair not in EXPECTED])
def test_refused_transition(event, state):
    assert not allows(event, state)
    with pytest.raises(InvalidState) as refused:
        transition_for(event, state, number=7)
    assert refused.value.message.startswith("#7 is ")
    assert refused.value.message == refusal(event, state, 7)


def test_refusals_say_what_to_do():
    assert refusal(E.CLAIM, S.RESOLVED, 1) == "#1 is resolved; reopen it first."
    assert refusal(E.RESOLVE, S.RESOLVED, 1) == "#1 is already resolved."
    assert refusal(E.REOPEN, S.IN_PROGRESS, 1) == "#1 is open; there is nothing to reopen."
    assert refusal(E.WAIT, S.RESOLVED, 1) == "#1 is resolved; there is nothing to wait for."
    assert refusal(E.RESUME, S.NEW, 1) == "#1 is not waiting on the customer."
    assert refusal(E.REOPEN, S.CLOSED, 1) == "#1 is closed; open a follow-up ticket instead."
    assert refusal(E.TRIAGE, S.WAITING, 1) == "#1 is waiting on the customer; resume it before triage."


def _ticket(**values) -> Ticket:
    return Ticket(number=3, reporter_id="U0REPORTER", **values)


def test_back_to_work_is_decided_by_the_ticket():
    assert working_state(_ticket(assignee_id="U0AGENT", triaged_at=NOW)) == S.IN_PROGRESS
    assert working_state(_ticket(triaged_at=NOW)) == S.TRIAGED
    assert working_state(_ticket()) == S.NEW
    reopen = transition_for(E.REOPEN, S.RESOLVED, number=3)
    assert target_of(reopen, _ticket(assignee_id="U0AGENT")) == S.IN_PROGRESS
    assert target_of(transition_for(E.CLOSE, S.RESOLVED, number=3), _ticket()) == S.CLOSED


def test_what_each_state_allows_and_is_called():
    assert OPEN == set(OPEN_STATUSES) == {s for s in S if allows(E.RESOLVE, s)}
    assert [s for s in S if is_open(s)] == list(OPEN_STATES)
    assert [s for s in S if is_done(s)] == [S.RESOLVED, S.CLOSED]
    assert [s for s in S if desk_owes_update(s)] == list(WORKING_STATES)
    assert [words(s) for s in S] == ["New", "Triaged", "In progress", "Waiting on customer", "Resolved", "Closed"]
    require_open(_ticket(status=S.WAITING))
    with pytest.raises(InvalidState, match=r"^#3 is resolved; reopen it first to change its priority\.$"):
        require_open(_ticket(status=S.RESOLVED), "first to change its priority")
    with pytest.raises(InvalidState, match="closed; open a follow-up"):
        require_open(_ticket(status=S.CLOSED))


# -- who may fire each event ---------------------------------------------------------

BOT = None
REPORTER = ActorRoles(user_id="U0REPORTER")                       # roles declared; no role of theirs
AGENT = ActorRoles(user_id="U0AGENT", agent_tiers=frozenset({"tier1"}))
OUTSIDER = ActorRoles(user_id="U0OUTSIDER")
ADMIN = ActorRoles(user_id="U0ADMIN", admin=True)
ANYONE = ActorRoles.unrestricted("U0ANYONE")                      # no roles section: open by default
ACTORS = {"bot": BOT, "reporter": REPORTER, "agent": AGENT, "outsider": OUTSIDER, "admin": ADMIN, "anyone": ANYONE}

# event -> the actors allowed to fire it (the rest are refused)
WHO = {
    E.TRIAGE: {"agent", "admin", "anyone"},
    E.CLAIM: {"agent", "admin", "anyone"},
    E.ASSIGN: {"bot", "agent", "admin", "anyone"},
    E.WAIT: {"agent", "admin", "anyone"},
    E.CUSTOMER_REPLY: {"reporter"},
    E.RESUME: {"agent", "admin", "anyone"},
    E.RESOLVE: {"agent", "admin", "anyone"},
    E.CONFIRM: {"reporter"},
    E.REOPEN: {"reporter", "agent", "admin", "anyone"},
    E.CLOSE: {"bot"},
    E.MERGE: {"agent", "admin", "anyone"},
}


@pytest.mark.parametrize(("event", "who"), list(product(Event, ACTORS)))
def test_who_may_fire(event, who):
    decision = may_fire(event, ACTORS[who], reporter_id=REPORTER.user_id)
    assert decision.allowed == (who in WHO[event]), decision
    if not decision.allowed:
        assert decision.reason.startswith("Only ")


def test_a_reporter_who_is_an_agent_fires_both_parts():
    reporter_agent = ActorRoles(user_id="U0REPORTER", agent_tiers=frozenset({"tier1"}))
    assert may_fire(E.CONFIRM, reporter_agent, reporter_id="U0REPORTER").allowed
    assert may_fire(E.CLAIM, reporter_agent, reporter_id="U0REPORTER").allowed
    assert not may_fire(E.CONFIRM, AGENT, reporter_id="U0REPORTER").allowed


def test_no_module_but_the_table_compares_ticket_statuses():
    """Workflows, listeners and the composition root ask the table (``is_open``, ``allows``,
    ``transition_for``…); only ``models`` name the states, for their queries."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    named = re.compile(r"TicketStatus\.[A-Z]|\bticket\.status\s*(==|!=|\bin\b|\bnot in\b)|\bTicket\.status\s*(==|!=)")
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for layer in ("workflows", "handlers", "bot")
             for path in sorted((root / layer).rglob("*.py")) if path.name != "states.py" or "tickets" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if named.search(line)]
    assert found == []
