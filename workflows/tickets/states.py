"""The ticket lifecycle: one transition table, asked by every workflow.

    new ──triage──> triaged ──claim/assign──> in_progress ──wait──> waiting
     │                                             ^                  │
     └─────────────claim/assign────────────────────┘<─customer reply──┘ (or resume)
    any open state ──resolve / merge──> resolved ──confirm / close──> closed
    resolved ──reopen / customer reply──> back to work (in_progress, triaged or new)

    transition = transition_for(Event.CLAIM, ticket.status, number=ticket.number)
    #   raises InvalidState("#3 is resolved; reopen it first.") when the state refuses it
    decision = may_fire(Event.CONFIRM, actor, reporter_id=ticket.reporter_id)
    ticket.status = target_of(transition, ticket)     # workflows.tickets.transitions does both

Each :class:`Transition` names its event, the state it leaves, the state it enters and
the timeline row it writes. "Back to work" (:data:`WORKING`) is decided by the ticket's
facts when it happens: ``in_progress`` with an assignee, else ``triaged`` once triage
ran, else ``new``. Every (event, state) pair not in :data:`TABLE` is refused, with the
words of :func:`refusal`.

Who may fire an event (:data:`RULES`, the authority matrix's part in the lifecycle):

    event           parties               authority matrix operation
    triage          agents                triage_ticket
    claim           agents                claim_ticket
    assign          agents, the bot       assign_ticket (the bot: automatic assignment)
    wait            agents                wait_on_customer
    customer reply  the reporter          (their message in the thread)
    resume          agents                resume_ticket
    resolve         agents                resolve_ticket
    confirm         the reporter          (Confirm fixed in the resolution DM)
    reopen          the reporter, agents  reopen_ticket
    close           the bot               (tickets.close_after)
    merge           agents                merge_tickets  (into an open or resolved ticket:
                                                          :func:`require_merge_target`)

"Agents" is whoever ``workflows.access.authority.can`` lets do the operation (everyone
without a ``roles`` section, admins always). The reporter is the ticket's reporter,
roles or not; the bot is supportbot itself (``actor=None``), never a person.

The timeline says which state a ticket was in at any past moment (:func:`state_from_timeline`,
for the backlog at the end of a report's period): the latest of its rows that decide the
state by themselves (:data:`PHASE_ROWS`), and whether someone held it and triage had run
by then (the facts "back to work" reads). A claim or assignment (:data:`HOLDING_ROWS`)
decides nothing alone: it keeps a waiting ticket waiting.

Besides transitions the table answers what a state allows (:data:`OPEN`: SLA clocks run,
priority, tier and category may change; :func:`desk_owes_update`), and what it is called
(:func:`words`, on the card and in `/ticket #N`). No other module compares statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.tickets import DONE_STATUSES, OPEN_STATUSES, Ticket
from models.tickets import TicketEventKind as Row
from models.tickets import TicketStatus as State
from workflows.access.authority import ActorRoles, AuthorityContext, Decision, Operation, can
from workflows.errors import InvalidState

__all__ = [
    "DONE", "HOLDING_ROWS", "INITIAL", "OPEN", "PHASE_ROWS", "RULES", "STATE_ROWS", "TABLE", "WORKING", "Event",
    "Party", "Rule", "State", "Transition", "allows", "desk_owes_update", "is_closed", "is_done", "is_open",
    "may_fire", "refusal", "require_merge_target", "require_open", "state_from_timeline", "target_of",
    "transition_for", "words", "working_state",
]


class Event(StrEnum):
    """What happens to a ticket (the table's rows)."""

    TRIAGE = "triage"
    CLAIM = "claim"
    ASSIGN = "assign"
    WAIT = "wait"
    CUSTOMER_REPLY = "customer_reply"
    RESUME = "resume"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CLOSE = "close"
    MERGE = "merge"


class Party(StrEnum):
    AGENT = "agent"        # whoever the authority matrix allows the event's operation
    REPORTER = "reporter"  # the ticket's reporter
    BOT = "bot"            # supportbot itself: a timer, an automatic assignment


#: Marker target: back to work, as the ticket's facts say (:func:`working_state`).
WORKING = "working"
INITIAL = State.NEW
OPEN: frozenset[State] = frozenset(OPEN_STATUSES)
DONE: frozenset[State] = frozenset(DONE_STATUSES)


@dataclass(frozen=True)
class Transition:
    event: Event
    source: State
    target: State | str  # a State, or WORKING
    row: Row             # the timeline row it writes


@dataclass(frozen=True)
class Rule:
    parties: frozenset[Party]
    operation: Operation | None  # what the authority matrix is asked, for agents
    refused: str                 # "Only … can …", when no party fits


def _rows(event: Event, sources: frozenset[State] | set[State], target: State | str,
          row: Row) -> dict[tuple[Event, State], Transition]:
    return {(event, source): Transition(event, source, target, row) for source in sources}


_WORKING_STATES = {State.NEW, State.TRIAGED, State.IN_PROGRESS}

TABLE: dict[tuple[Event, State], Transition] = {
    **_rows(Event.TRIAGE, _WORKING_STATES, WORKING, Row.TRIAGED),
    **_rows(Event.CLAIM, _WORKING_STATES, State.IN_PROGRESS, Row.CLAIMED),
    **_rows(Event.CLAIM, {State.WAITING}, State.WAITING, Row.CLAIMED),
    **_rows(Event.ASSIGN, _WORKING_STATES, State.IN_PROGRESS, Row.ASSIGNED),
    **_rows(Event.ASSIGN, {State.WAITING}, State.WAITING, Row.ASSIGNED),
    **_rows(Event.WAIT, _WORKING_STATES, State.WAITING, Row.WAITING_ON_CUSTOMER),
    **_rows(Event.CUSTOMER_REPLY, {State.WAITING}, WORKING, Row.RESUMED),
    **_rows(Event.CUSTOMER_REPLY, {State.RESOLVED}, WORKING, Row.REOPENED),
    **_rows(Event.RESUME, {State.WAITING}, WORKING, Row.RESUMED),
    **_rows(Event.RESOLVE, OPEN, State.RESOLVED, Row.RESOLVED),
    **_rows(Event.CONFIRM, {State.RESOLVED}, State.CLOSED, Row.CONFIRMED),
    **_rows(Event.REOPEN, {State.RESOLVED}, WORKING, Row.REOPENED),
    **_rows(Event.CLOSE, {State.RESOLVED}, State.CLOSED, Row.CLOSED),
    **_rows(Event.MERGE, OPEN, State.RESOLVED, Row.MERGED),
}

#: Every row a transition writes: a ticket without one of these since a moment is in the
#: state it was in then.
STATE_ROWS: frozenset[Row] = frozenset(t.row for t in TABLE.values())
#: The rows that hand the ticket to someone (a triage row too, when it names an owner).
HOLDING_ROWS: frozenset[Row] = frozenset({Row.CLAIMED, Row.ASSIGNED})
#: The state each other row (and the creation) leads to, whatever came before.
_PHASES: dict[Row, State | str] = {
    Row.CREATED: WORKING, Row.TRIAGED: WORKING, Row.RESUMED: WORKING, Row.REOPENED: WORKING,
    Row.WAITING_ON_CUSTOMER: State.WAITING, Row.RESOLVED: State.RESOLVED, Row.MERGED: State.RESOLVED,
    Row.CONFIRMED: State.CLOSED, Row.CLOSED: State.CLOSED,
}
PHASE_ROWS: frozenset[Row] = frozenset(_PHASES)

_AGENTS, _REPORTER, _BOT = frozenset({Party.AGENT}), frozenset({Party.REPORTER}), frozenset({Party.BOT})
RULES: dict[Event, Rule] = {
    Event.TRIAGE: Rule(_AGENTS, Operation.TRIAGE_TICKET, "Only agents can triage tickets."),
    Event.CLAIM: Rule(_AGENTS, Operation.CLAIM_TICKET, "Only agents can claim tickets."),
    Event.ASSIGN: Rule(_AGENTS | _BOT, Operation.ASSIGN_TICKET, "Only agents can assign tickets."),
    Event.WAIT: Rule(_AGENTS, Operation.WAIT_ON_CUSTOMER, "Only agents can set a ticket to waiting on the customer."),
    Event.CUSTOMER_REPLY: Rule(_REPORTER, None, "Only the ticket's reporter answers for the customer."),
    Event.RESUME: Rule(_AGENTS, Operation.RESUME_TICKET, "Only agents can resume a ticket that waits on the customer."),
    Event.RESOLVE: Rule(_AGENTS, Operation.RESOLVE_TICKET, "Only agents can resolve tickets."),
    Event.CONFIRM: Rule(_REPORTER, None, "Only the person who reported the ticket can confirm the fix."),
    Event.REOPEN: Rule(_REPORTER | _AGENTS, Operation.REOPEN_TICKET,
                       "Only the ticket's reporter, agents or admins can reopen a ticket."),
    Event.CLOSE: Rule(_BOT, None, "Only supportbot closes resolved tickets (after tickets.close_after)."),
    Event.MERGE: Rule(_AGENTS, Operation.MERGE_TICKETS, "Only agents can merge tickets."),
}

_WORDS = {
    State.NEW: "New", State.TRIAGED: "Triaged", State.IN_PROGRESS: "In progress",
    State.WAITING: "Waiting on customer", State.RESOLVED: "Resolved", State.CLOSED: "Closed",
}


def words(state: State | str) -> str:
    """The state as people read it: "In progress", "Waiting on customer"."""
    return _WORDS.get(State(state), str(state))


def is_open(state: State | str) -> bool:
    """The desk still works it: SLA clocks run, it is in the queues."""
    return state in OPEN


def is_done(state: State | str) -> bool:
    """Resolved or closed."""
    return state in DONE


def is_closed(state: State | str) -> bool:
    return state == State.CLOSED


def desk_owes_update(state: State | str) -> bool:
    """The customer waits on the desk (not the other way round): ``tickets.update_every``
    reminds the desk to tell them something."""
    return state in _WORKING_STATES


def allows(event: Event, state: State | str) -> bool:
    return (event, State(state)) in TABLE


def working_state(ticket: Ticket) -> State:
    """Where work stands when a ticket goes back to work: someone holds it, or triage ran."""
    if ticket.assignee_id:
        return State.IN_PROGRESS
    return State.TRIAGED if ticket.triaged_at is not None else State.NEW


def state_from_timeline(last: Row | str | None, *, held: bool, triaged: bool) -> State:
    """The state a ticket was in after a stretch of its timeline: ``last`` its latest row of
    :data:`PHASE_ROWS` (None: none, as at its creation), ``held`` whether a row of :data:`HOLDING_ROWS`
    (or a triage naming an owner) came by then, ``triaged`` whether a triage row did."""
    target = _PHASES[Row(last)] if last is not None else WORKING
    if target != WORKING:
        return State(target)
    return State.IN_PROGRESS if held else State.TRIAGED if triaged else State.NEW


def target_of(transition: Transition, ticket: Ticket) -> State:
    return working_state(ticket) if transition.target == WORKING else State(transition.target)


_REFUSALS: dict[tuple[Event, State], str] = {
    (Event.RESOLVE, State.RESOLVED): "#{n} is already resolved.",
    (Event.MERGE, State.RESOLVED): "#{n} is already resolved.",
    (Event.WAIT, State.RESOLVED): "#{n} is resolved; there is nothing to wait for.",
    (Event.WAIT, State.WAITING): "#{n} is already waiting on the customer.",
    (Event.RESUME, State.RESOLVED): "#{n} is not waiting on the customer.",
    (Event.TRIAGE, State.WAITING): "#{n} is waiting on the customer; resume it before triage.",
    (Event.CONFIRM, State.CLOSED): "#{n} is closed already.",
    (Event.CLOSE, State.CLOSED): "#{n} is closed already.",
}
_BY_STATE = {
    State.RESOLVED: "#{n} is resolved; reopen it first.",
    State.CLOSED: "#{n} is closed; open a follow-up ticket instead.",
}


def refusal(event: Event, state: State | str, number: int) -> str:
    """Why ``event`` cannot happen to ticket ``number`` in ``state``, in a sentence."""
    state = State(state)
    text = _REFUSALS.get((event, state))
    if text is None and event in (Event.REOPEN, Event.CONFIRM, Event.CLOSE, Event.CUSTOMER_REPLY) \
            and state in OPEN:
        text = "#{n} is open; there is nothing to reopen." if event == Event.REOPEN else "#{n} is not resolved."
    if text is None and event == Event.RESUME:
        text = "#{n} is not waiting on the customer."
    if text is None:
        text = _BY_STATE.get(state, "#{n} is %s; that cannot happen now." % words(state).lower())
    return text.format(n=number)


def transition_for(event: Event, state: State | str, *, number: int) -> Transition:
    """The transition ``event`` makes from ``state``; InvalidState (with :func:`refusal`'s
    words) when the table has none."""
    found = TABLE.get((event, State(state)))
    if found is None:
        raise InvalidState(refusal(event, state, number))
    return found


def require_open(ticket: Ticket, then: str = "first") -> None:
    """InvalidState unless the desk still works ``ticket``: "#3 is resolved; reopen it
    {then}." (``then``: "first to change its priority")."""
    if is_open(ticket.status):
        return
    if ticket.status == State.CLOSED:
        raise InvalidState(f"#{ticket.number} is closed; open a follow-up ticket instead.")
    raise InvalidState(f"#{ticket.number} is resolved; reopen it {then}.")


def require_merge_target(target: Ticket, duplicate_number: int) -> None:
    """InvalidState unless a duplicate may be merged into ``target``: open, or resolved (its
    resolution is sent to the duplicate's reporter at once); a closed one is done for good."""
    if is_closed(target.status):
        raise InvalidState(f"#{target.number} is closed, so #{duplicate_number} cannot be merged into it; "
                           f"keep #{duplicate_number} open as a follow-up ticket to #{target.number} instead.")


def may_fire(event: Event, actor: ActorRoles | None, *, reporter_id: str,
             context: AuthorityContext | None = None) -> Decision:
    """Whether ``actor`` (None: the bot) may fire ``event`` on a ticket reported by
    ``reporter_id``; the reason when not (``context``: for the authority matrix)."""
    rule = RULES[event]
    if actor is None:
        return Decision(True) if Party.BOT in rule.parties else Decision(False, rule.refused)
    if Party.REPORTER in rule.parties and actor.user_id == reporter_id:
        return Decision(True)
    if Party.AGENT in rule.parties and rule.operation is not None:
        return can(actor, rule.operation, context or AuthorityContext(reporter_id=reporter_id))
    return Decision(False, rule.refused)
