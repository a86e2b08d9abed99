"""The state a ticket was in, read back from its timeline (#19: the backlog at the end of a
report's period): every sequence of events the transition table allows, walked
exhaustively, leaves the state :func:`state_from_timeline` reads from the rows it wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from models.tickets import Ticket, TicketEventKind
from models.tickets import TicketStatus as S
from workflows.tickets.states import (
    HOLDING_ROWS,
    INITIAL,
    PHASE_ROWS,
    STATE_ROWS,
    TABLE,
    Event,
    state_from_timeline,
    target_of,
)

K = TicketEventKind
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Walk:
    """Where a ticket stands (its state and facts) and what its timeline says so far."""

    state: S
    assignee: bool
    triaged: bool
    last_phase: TicketEventKind | None
    held_rows: bool      # a claim, an assignment or a triage naming an owner is on the timeline
    triage_rows: bool

    def read_back(self) -> S:
        return state_from_timeline(self.last_phase, held=self.held_rows, triaged=self.triage_rows)


def _steps(walk: Walk):
    """Every event the table allows from ``walk`` (triage with and without an owner), and
    where each leads, as the workflows fire them (``workflows/tickets/transitions.enter``)."""
    for event in Event:
        transition = TABLE.get((event, walk.state))
        if transition is None:
            continue
        for names_owner in ((False, True) if event == Event.TRIAGE else (False,)):
            assignee = walk.assignee or event in (Event.CLAIM, Event.ASSIGN) or names_owner
            triaged = walk.triaged or event == Event.TRIAGE
            ticket = Ticket(assignee_id="U1" if assignee else None, triaged_at=NOW if triaged else None)
            row = transition.row
            yield event, Walk(
                state=target_of(transition, ticket), assignee=assignee, triaged=triaged,
                last_phase=row if row in PHASE_ROWS else walk.last_phase,
                # a triage row counts as holding when it names the owner the ticket has then
                held_rows=walk.held_rows or row in HOLDING_ROWS or (row == K.TRIAGED and assignee),
                triage_rows=walk.triage_rows or row == K.TRIAGED)


def _reachable() -> dict[Walk, list[Event]]:
    """Every reachable (state, facts, timeline summary), with one event path to it."""
    start = Walk(INITIAL, False, False, K.CREATED, False, False)
    seen: dict[Walk, list[Event]] = {start: []}
    frontier = [start]
    while frontier:
        walk = frontier.pop()
        for event, after in _steps(walk):
            if after not in seen:
                seen[after] = [*seen[walk], event]
                frontier.append(after)
    return seen


def test_every_reachable_state_reads_back_from_the_timeline():
    reachable = _reachable()
    assert {walk.state for walk in reachable} == set(S)  # the walk meets every state
    wrong = {tuple(path): (walk.state, walk.read_back()) for walk, path in reachable.items()
             if walk.read_back() != walk.state}
    assert not wrong


def test_the_rows_that_move_a_state_are_every_transitions_row():
    assert STATE_ROWS == {t.row for t in TABLE.values()}
    assert STATE_ROWS <= PHASE_ROWS | HOLDING_ROWS
    assert K.CREATED in PHASE_ROWS and not HOLDING_ROWS & PHASE_ROWS


@pytest.mark.parametrize(("last", "held", "triaged", "state"), [
    (None, False, False, S.NEW),            # no phase row (a ticket from before the timeline)
    (K.CREATED, False, False, S.NEW),
    (K.CREATED, True, False, S.IN_PROGRESS),  # assigned when it was opened
    (K.TRIAGED, False, True, S.TRIAGED),
    (K.TRIAGED, True, True, S.IN_PROGRESS),
    (K.WAITING_ON_CUSTOMER, True, True, S.WAITING),
    (K.RESUMED, False, False, S.NEW),
    (K.RESOLVED, True, True, S.RESOLVED),
    (K.MERGED, False, False, S.RESOLVED),
    (K.REOPENED, False, True, S.TRIAGED),
    (K.REOPENED, True, True, S.IN_PROGRESS),
    (K.CONFIRMED, True, True, S.CLOSED),
    (K.CLOSED, False, False, S.CLOSED),
    ("resolved", False, False, S.RESOLVED),   # as the database hands it back
])
def test_state_from_timeline(last, held, triaged, state):
    assert state_from_timeline(last, held=held, triaged=triaged) == state
