"""Who may do what: the authority matrix as one pure function.

    decision = can(actor, Operation.CLAIM_TICKET)
    decision = can(actor, Operation.ESCALATE_TICKET, escalation_context(config, to_tier="tier4"))
    if not decision.allowed:
        raise NotAllowed(decision.reason)        # "Only agents can claim tickets."

``actor`` is an :class:`ActorRoles` (``workflows/roles.py`` resolves it from app.yaml's
``roles`` section and Slack user groups). The rules:

- No ``roles`` section (``actor.restricted`` is False): everyone may do everything.
- Admins may do everything.
- Anyone may open a ticket or declare an incident.
- Agents (of any tier, of no particular tier, or on call) claim, resolve, escalate,
  wait on the customer / resume, and change a ticket's priority.
- Escalating to the last tier (Executive) needs an agent of the tier before it
  (Engineering, tier3) or of the last tier itself — or an admin.
- Only the incident's commander (or an admin) resolves an incident or hands over
  command; when a commander pool is declared (``roles.commanders``, plus on-call), the
  new commander must be in it (or an admin).

The reason of a refusal reads "Only … can …" and is shown to the person as it is.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["ActorRoles", "AuthorityContext", "Decision", "Operation", "can", "escalation_context"]


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
    def unrestricted(cls, user_id: str) -> ActorRoles:
        """Anyone, when app.yaml declares no roles."""
        return cls(user_id=user_id, restricted=False)

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
    ``commander_pool`` whether a pool is declared at all.
    """

    tiers: tuple[tuple[str, str], ...] = ()
    to_tier: str | None = None
    commander_id: str | None = None
    new_commander: ActorRoles | None = None
    commander_pool: bool = False


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
}
_COMMANDER_ONLY = {
    Operation.RESOLVE_INCIDENT: "Only the incident commander or an admin can resolve an incident.",
    Operation.HAND_OVER_COMMAND: "Only the incident commander or an admin can hand over command.",
}


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
    if operation in (Operation.OPEN_TICKET, Operation.DECLARE_INCIDENT):
        return ALLOWED
    if operation in _AGENT_WORK:
        if not actor.is_agent:
            return _refused(_AGENT_WORK[operation])
        return _escalation(actor, context) if operation == Operation.ESCALATE_TICKET else ALLOWED
    if operation in _COMMANDER_ONLY:
        if context.commander_id is None or actor.user_id != context.commander_id:
            return _refused(_COMMANDER_ONLY[operation])
        target = context.new_commander
        if operation == Operation.HAND_OVER_COMMAND and context.commander_pool and target is not None \
                and target.restricted and not (target.may_command or target.admin):
            return _refused(f"Only people in the incident commander pool can take command; "
                            f"<@{target.user_id}> is not in it.")
        return ALLOWED
    return _refused("Only admins can do that.")  # an operation without a rule: refuse
