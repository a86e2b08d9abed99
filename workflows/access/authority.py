"""Who may do what: the authority matrix as one pure function.

    decision = can(actor, Operation.CLAIM_TICKET)
    decision = can(actor, Operation.ESCALATE_TICKET, escalation_context(config, to_tier="tier4"))
    if not decision.allowed:
        raise NotAllowed(decision.reason)        # "Only agents can claim tickets."

``actor`` is an :class:`ActorRoles` (``workflows/access/roles.py`` resolves it from app.yaml's
``roles`` section and Slack user groups). The rules:

- No ``roles`` section (``actor.restricted`` is False): everyone may do everything.
- Admins may do everything.
- Anyone may open a ticket or declare a P2 incident. A P0 or P1 incident pages on-call
  and opens a war room the whole workspace can see, so declaring one (or raising an
  incident to P0/P1) needs an agent, someone on call or in the commander pool.
- Agents (of any tier, of no particular tier, or on call) claim, resolve, escalate,
  wait on the customer / resume, and change a ticket's priority; they triage, assign
  (to themselves or anyone), move a ticket to another tier or category, merge
  duplicates, and say they are away (`/ticket away`) or back. Which of these a ticket's
  state allows, and the events only its reporter (confirming the fix) or the bot itself
  (closing after ``tickets.close_after``) may fire, is the lifecycle's transition table
  (``workflows/tickets/states.py``), which asks this matrix for the agents' part.
- Escalating to the last tier (Executive) needs an agent of the tier before it
  (Engineering, tier3) or of the last tier itself — or an admin.
- Only the incident's commander (or an admin) resolves an incident or hands over
  command; when a commander pool is declared (``roles.commanders``, plus on-call), the
  new commander must be in it (or an admin).
- Reopening a ticket: its reporter (the customer contact says it is not fixed), agents
  and admins. The practice doc's escalation procedure has the desk "monitor the ticket"
  and the customer come back to it; nobody else has a stake in a resolved ticket.
- Pages (Acknowledge / Resolve): people on call, agents and admins — and, for a page
  about an incident, that incident's commander. The practice doc pages the on-call
  engineers (Tier 3, the on-call rotation) and the bot's last re-page asks the
  ticket's tier channel ("Can someone take it?"), so every agent may take a page; a
  non-agent must not silence one. A click from another Slack workspace than the
  page's ticket or incident is refused whatever the roles (``workflows/access/guard.py``).
- The war room has "one incident commander" (practice doc, Emergency Escalation):
  the commander (or an admin) changes the severity (it re-arms the cadences and may
  page) and names the comms lead; the commander or the comms lead posts the official
  status update (`/incident update`, cross-posted, restarts the internal cadence) and
  records the customer update (`/incident external`) — naming the comms lead grants
  that right, so it is the commander's call. The post-mortem draft can be
  reposted by anyone, and anyone may talk in the war room; the matrix forbids neither.
- Who is on call (`/oncall override`, `/oncall swap`): people on call (the rotation,
  ``roles.oncall``) and admins. A sick day is covered by the people who share the
  rotation, not by whoever happens to type the command.

The reason of a refusal reads "Only … can …" and is shown to the person as it is.

Who may see a private ticket's details (``may_see_ticket``; a ticket that is not
private is shown to everyone): its reporter, its assignee, admins and people on call;
with roles, every agent; without roles (open by default), the ``members`` of the tier
the ticket sits in (of any tier, for a ticket in triage). ``roles_of`` fills in tier
membership and the on-call rotation for everyone, roles or not.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["SEVERE_INCIDENTS", "ActorRoles", "AuthorityContext", "Decision", "Operation", "can", "escalation_context",
           "may_see_ticket"]


class Operation(enum.StrEnum):
    """What someone tries to do (stored in the ``refused`` timeline row as ``action``)."""

    OPEN_TICKET = "open_ticket"
    CLAIM_TICKET = "claim_ticket"
    RESOLVE_TICKET = "resolve_ticket"
    ESCALATE_TICKET = "escalate_ticket"
    WAIT_ON_CUSTOMER = "wait_on_customer"
    RESUME_TICKET = "resume_ticket"
    CHANGE_PRIORITY = "change_priority"
    DECLARE_INCIDENT = "declare_incident"
    RESOLVE_INCIDENT = "resolve_incident"
    HAND_OVER_COMMAND = "hand_over_command"
    REOPEN_TICKET = "reopen_ticket"
    ACKNOWLEDGE_PAGE = "acknowledge_page"
    RESOLVE_PAGE = "resolve_page"
    CHANGE_SEVERITY = "change_severity"
    ASSIGN_INCIDENT_ROLE = "assign_incident_role"
    POST_INCIDENT_UPDATE = "post_incident_update"
    POST_EXTERNAL_UPDATE = "post_external_update"
    CHANGE_ONCALL = "change_oncall"
    TRIAGE_TICKET = "triage_ticket"
    ASSIGN_TICKET = "assign_ticket"
    MOVE_TICKET = "move_ticket"
    MERGE_TICKETS = "merge_tickets"
    SET_AWAY = "set_away"


@dataclass(frozen=True)
class ActorRoles:
    """The roles one Slack user holds. ``restricted`` False: no roles are declared at all."""

    user_id: str
    restricted: bool = True
    agent_tiers: frozenset[str] = frozenset()  # tiers the user is an agent of
    agent: bool = False  # an agent of no particular tier
    commander: bool = False  # in the incident commander pool
    oncall: bool = False
    admin: bool = False

    @classmethod
    def unrestricted(cls, user_id: str, *, agent_tiers: frozenset[str] = frozenset(),
                     oncall: bool = False) -> ActorRoles:
        """Anyone, when app.yaml declares no roles (``agent_tiers``: the tiers listing the
        user in ``members``; ``oncall``: in the rotation). ``can`` allows them everything."""
        return cls(user_id=user_id, restricted=False, agent_tiers=agent_tiers, oncall=oncall)

    @property
    def is_agent(self) -> bool:
        return self.agent or self.oncall or bool(self.agent_tiers)

    @property
    def may_command(self) -> bool:
        return self.commander or self.oncall


@dataclass(frozen=True)
class AuthorityContext:
    """What a rule looks at besides the actor.

    ``tiers``: every (tier id, tier name), in app.yaml order; ``to_tier``: the tier an
    escalation moves the ticket to; ``commander_id``: the incident's commander;
    ``new_commander``: the roles of the person command is handed to, and
    ``commander_pool`` whether a pool is declared at all; ``comms_id``: the incident's
    communications lead; ``reporter_id``: the ticket's reporter; ``priority``: the
    priority an incident is declared with or raised to.
    """

    tiers: tuple[tuple[str, str], ...] = ()
    to_tier: str | None = None
    commander_id: str | None = None
    new_commander: ActorRoles | None = None
    commander_pool: bool = False
    comms_id: str | None = None
    reporter_id: str | None = None
    priority: str | None = None


NO_CONTEXT = AuthorityContext()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = field(default="")


ALLOWED = Decision(True)

_AGENT_WORK = {
    Operation.CLAIM_TICKET: "Only agents can claim tickets.",
    Operation.RESOLVE_TICKET: "Only agents can resolve tickets.",
    Operation.ESCALATE_TICKET: "Only agents can escalate tickets.",
    Operation.WAIT_ON_CUSTOMER: "Only agents can set a ticket to waiting on the customer.",
    Operation.RESUME_TICKET: "Only agents can resume a ticket that waits on the customer.",
    Operation.CHANGE_PRIORITY: "Only agents can change a ticket's priority.",
    Operation.TRIAGE_TICKET: "Only agents can triage tickets.",
    Operation.ASSIGN_TICKET: "Only agents can assign tickets.",
    Operation.MOVE_TICKET: "Only agents can move a ticket to another tier or category.",
    Operation.MERGE_TICKETS: "Only agents can merge tickets.",
    Operation.SET_AWAY: "Only agents can say they are away or back (it only matters for automatic assignment).",
}
_COMMANDER_ONLY = {
    Operation.RESOLVE_INCIDENT: "Only the incident commander or an admin can resolve an incident.",
    Operation.HAND_OVER_COMMAND: "Only the incident commander or an admin can hand over command.",
    Operation.CHANGE_SEVERITY: "Only the incident commander or an admin can change the severity.",
    Operation.ASSIGN_INCIDENT_ROLE: "Only the incident commander or an admin can assign incident roles.",
}
_COMMANDER_OR_COMMS = {
    Operation.POST_INCIDENT_UPDATE:
        "Only the incident commander, the comms lead or an admin can post the incident's status update.",
    Operation.POST_EXTERNAL_UPDATE:
        "Only the incident commander, the comms lead or an admin can record a customer update.",
}
_PAGE_WORK = {
    Operation.ACKNOWLEDGE_PAGE: "Only people on call, agents or admins can acknowledge a page.",
    Operation.RESOLVE_PAGE: "Only people on call, agents or admins can resolve a page.",
}


#: Incident priorities that page on-call: declaring one (or raising to one) needs an agent,
#: someone on call or in the commander pool.
SEVERE_INCIDENTS = frozenset({"P0", "P1"})


def _severe_incident(actor: ActorRoles, context: AuthorityContext, what: str) -> Decision:
    if context.priority not in SEVERE_INCIDENTS or actor.is_agent or actor.may_command:
        return ALLOWED
    return _refused(f"Only agents, people on call, incident commanders or admins can {what} "
                    f"(it pages on-call). Anyone can declare a P2.")


def escalation_context(tiers: Sequence[tuple[str, str]], to_tier: str | None) -> AuthorityContext:
    """The context of an escalation to ``to_tier`` among ``tiers`` ((id, name), in order)."""
    return AuthorityContext(tiers=tuple(tiers), to_tier=to_tier)


def _refused(reason: str) -> Decision:
    return Decision(False, reason)


def _escalation(actor: ActorRoles, context: AuthorityContext) -> Decision:
    """To the last tier only agents of the tier before it (or of the last tier)."""
    if len(context.tiers) < 2 or context.to_tier != context.tiers[-1][0]:
        return ALLOWED
    (senior_id, senior_name), (last_id, last_name) = context.tiers[-2], context.tiers[-1]
    if actor.agent_tiers & {senior_id, last_id}:
        return ALLOWED
    return _refused(f"Only {senior_name} agents or admins can escalate to {last_name}.")


def can(actor: ActorRoles, operation: Operation, context: AuthorityContext = NO_CONTEXT) -> Decision:
    """Whether ``actor`` may do ``operation`` in ``context``; the reason when not."""
    if not actor.restricted or actor.admin:
        return ALLOWED
    if operation == Operation.OPEN_TICKET:
        return ALLOWED
    if operation == Operation.DECLARE_INCIDENT:
        return _severe_incident(actor, context, "declare a P0 or P1 incident")
    if operation in _AGENT_WORK:
        if not actor.is_agent:
            return _refused(_AGENT_WORK[operation])
        return _escalation(actor, context) if operation == Operation.ESCALATE_TICKET else ALLOWED
    if operation in _COMMANDER_ONLY:
        if context.commander_id is None or actor.user_id != context.commander_id:
            return _refused(_COMMANDER_ONLY[operation])
        if operation == Operation.CHANGE_SEVERITY:
            return _severe_incident(actor, context, "raise an incident to P0 or P1")
        target = context.new_commander
        if operation == Operation.HAND_OVER_COMMAND and context.commander_pool and target is not None \
                and target.restricted and not (target.may_command or target.admin):
            return _refused(f"Only people in the incident commander pool can take command; "
                            f"<@{target.user_id}> is not in it.")
        return ALLOWED
    if operation in _COMMANDER_OR_COMMS:
        if actor.user_id not in {context.commander_id, context.comms_id} - {None}:
            return _refused(_COMMANDER_OR_COMMS[operation])
        return ALLOWED
    if operation in _PAGE_WORK:
        if actor.is_agent or (context.commander_id is not None and actor.user_id == context.commander_id):
            return ALLOWED
        return _refused(_PAGE_WORK[operation])
    if operation == Operation.CHANGE_ONCALL:
        return ALLOWED if actor.oncall else _refused("Only people on call or admins can change who is on call.")
    if operation == Operation.REOPEN_TICKET:
        if actor.is_agent or (context.reporter_id is not None and actor.user_id == context.reporter_id):
            return ALLOWED
        return _refused("Only the ticket's reporter, agents or admins can reopen a ticket.")
    return _refused("Only admins can do that.")  # an operation without a rule: refuse


def may_see_ticket(actor: ActorRoles, *, private: bool, reporter_id: str, assignee_id: str | None,
                   tier: str | None) -> bool:
    """Whether ``actor`` may see the details (summary, description, customer) of a ticket."""
    if not private or actor.user_id in (reporter_id, assignee_id) or actor.admin or actor.oncall:
        return True
    if actor.restricted:
        return actor.is_agent
    return tier in actor.agent_tiers if tier is not None else bool(actor.agent_tiers)
