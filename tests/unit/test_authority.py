"""The authority matrix (workflows/access/authority.py): each rule, allowed and refused."""

from __future__ import annotations

import pytest

from workflows.access.authority import (
    ActorRoles,
    AuthorityContext,
    Operation,
    can,
    escalation_context,
    may_see_ticket,
)

TIERS = (("tier1", "Frontline"), ("tier2", "Technical"), ("tier3", "Engineering"), ("tier4", "Executive"))

NOBODY = ActorRoles(user_id="U0NOBODY")
FRONTLINE = ActorRoles(user_id="U0FRONT", agent_tiers=frozenset({"tier1"}))
ENGINEER = ActorRoles(user_id="U0ENGINEER", agent_tiers=frozenset({"tier3"}))
EXECUTIVE = ActorRoles(user_id="U0EXEC", agent_tiers=frozenset({"tier4"}))
GENERIC_AGENT = ActorRoles(user_id="U0AGENT", agent=True)
ONCALL = ActorRoles(user_id="U0ONCALL", oncall=True)
COMMANDER_POOL = ActorRoles(user_id="U0LEAD", commander=True)
ADMIN = ActorRoles(user_id="U0ADMIN", admin=True)
ANYONE = ActorRoles.unrestricted("U0ANYONE")

AGENT_WORK = [
    (Operation.CLAIM_TICKET, "Only agents can claim tickets."),
    (Operation.RESOLVE_TICKET, "Only agents can resolve tickets."),
    (Operation.ESCALATE_TICKET, "Only agents can escalate tickets."),
    (Operation.WAIT_ON_CUSTOMER, "Only agents can set a ticket to waiting on the customer."),
    (Operation.RESUME_TICKET, "Only agents can resume a ticket that waits on the customer."),
    (Operation.CHANGE_PRIORITY, "Only agents can change a ticket's priority."),
]


@pytest.mark.parametrize("operation", list(Operation))
def test_without_roles_everyone_may_do_everything(operation):
    context = AuthorityContext(tiers=TIERS, to_tier="tier4", commander_id="U0SOMEONEELSE",
                               new_commander=ActorRoles.unrestricted("U0X"), commander_pool=True)
    assert can(ANYONE, operation, context).allowed


@pytest.mark.parametrize("operation", list(Operation))
def test_admins_may_do_everything(operation):
    context = AuthorityContext(tiers=TIERS, to_tier="tier4", commander_id="U0SOMEONEELSE",
                               new_commander=NOBODY, commander_pool=True)
    assert can(ADMIN, operation, context).allowed


def test_anyone_opens_tickets_and_declares_p2_incidents():
    for decision in (can(NOBODY, Operation.OPEN_TICKET),
                     can(NOBODY, Operation.DECLARE_INCIDENT, AuthorityContext(priority="P2"))):
        assert decision.allowed and decision.reason == ""


@pytest.mark.parametrize("priority", ["P0", "P1"])
def test_a_p0_or_p1_needs_an_agent_on_call_a_commander_or_an_admin(priority):
    context = AuthorityContext(tiers=TIERS, priority=priority)
    decision = can(NOBODY, Operation.DECLARE_INCIDENT, context)
    assert (decision.allowed, decision.reason) == (False, (
        "Only agents, people on call, incident commanders or admins can declare a P0 or P1 incident "
        "(it pages on-call). Anyone can declare a P2."))
    for allowed in (FRONTLINE, ENGINEER, GENERIC_AGENT, ONCALL, COMMANDER_POOL, ADMIN, ANYONE):
        assert can(allowed, Operation.DECLARE_INCIDENT, context).allowed


def test_raising_an_incident_to_p0_or_p1_needs_the_same():
    def raise_to(actor, priority):
        return can(actor, Operation.CHANGE_SEVERITY, AuthorityContext(commander_id=actor.user_id, priority=priority))

    refused = raise_to(NOBODY, "P0")
    assert not refused.allowed and refused.reason.startswith(
        "Only agents, people on call, incident commanders or admins can raise an incident to P0 or P1")
    assert raise_to(NOBODY, None).allowed  # lowering (no rule) or the same severity: the commander decides
    assert raise_to(COMMANDER_POOL, "P0").allowed and raise_to(ONCALL, "P1").allowed


def test_who_sees_a_private_ticket():
    def sees(actor, *, private=True, tier="tier1"):
        return may_see_ticket(actor, private=private, reporter_id="U0REPORTER", assignee_id="U0ASSIGNEE", tier=tier)

    assert sees(NOBODY, private=False)
    for allowed in (ActorRoles("U0REPORTER"), ActorRoles("U0ASSIGNEE"), FRONTLINE, ENGINEER, GENERIC_AGENT, ONCALL,
                    ADMIN):
        assert sees(allowed), allowed
    assert not sees(NOBODY) and not sees(COMMANDER_POOL)
    # Without roles (open by default): the ticket's tier's members (any tier's for triage), on call, the people on it.
    tier1, tier2 = (ActorRoles.unrestricted(u, agent_tiers=frozenset({t})) for u, t in (("U1", "tier1"), ("U2", "tier2")))
    assert sees(tier1) and not sees(tier2) and sees(tier2, tier=None) and not sees(ANYONE, tier=None)
    assert sees(ActorRoles.unrestricted("U3", oncall=True)) and sees(ActorRoles.unrestricted("U0REPORTER"))
    assert not sees(ANYONE)


@pytest.mark.parametrize(("operation", "reason"), AGENT_WORK)
def test_ticket_work_is_refused_to_non_agents(operation, reason):
    for person in (NOBODY, COMMANDER_POOL):
        decision = can(person, operation, escalation_context(TIERS, "tier2"))
        assert not decision.allowed
        assert decision.reason == reason
        assert decision.reason.startswith("Only ") and " can " in decision.reason


@pytest.mark.parametrize(("operation", "reason"), AGENT_WORK)
@pytest.mark.parametrize("agent", [FRONTLINE, ENGINEER, GENERIC_AGENT, ONCALL], ids=lambda a: a.user_id)
def test_agents_of_any_kind_do_ticket_work(operation, reason, agent):
    assert can(agent, operation, escalation_context(TIERS, "tier2")).allowed


def test_escalation_to_the_last_tier_needs_the_tier_before_it_or_an_admin():
    to_executive = escalation_context(TIERS, "tier4")
    for refused in (FRONTLINE, GENERIC_AGENT, ONCALL, ActorRoles("U0T2", agent_tiers=frozenset({"tier1", "tier2"}))):
        decision = can(refused, Operation.ESCALATE_TICKET, to_executive)
        assert not decision.allowed
        assert decision.reason == "Only Engineering agents or admins can escalate to Executive."
    for allowed in (ENGINEER, EXECUTIVE, ADMIN):
        assert can(allowed, Operation.ESCALATE_TICKET, to_executive).allowed


def test_escalation_below_the_last_tier_needs_any_agent():
    for to_tier in ("tier2", "tier3", None):
        assert can(FRONTLINE, Operation.ESCALATE_TICKET, escalation_context(TIERS, to_tier)).allowed
        assert not can(NOBODY, Operation.ESCALATE_TICKET, escalation_context(TIERS, to_tier)).allowed


def test_a_single_tier_has_no_executive_rule():
    only = (("desk", "Desk"),)
    assert can(GENERIC_AGENT, Operation.ESCALATE_TICKET, escalation_context(only, "desk")).allowed


@pytest.mark.parametrize(("operation", "reason"), [
    (Operation.RESOLVE_INCIDENT, "Only the incident commander or an admin can resolve an incident."),
    (Operation.HAND_OVER_COMMAND, "Only the incident commander or an admin can hand over command."),
])
def test_only_the_commander_or_an_admin_resolves_or_hands_over(operation, reason):
    context = AuthorityContext(commander_id="U0LEAD", new_commander=ONCALL, commander_pool=True)
    assert can(COMMANDER_POOL, operation, context).allowed  # U0LEAD commands this one
    assert can(ADMIN, operation, context).allowed
    for other in (NOBODY, ENGINEER, ONCALL, ActorRoles("U0LEAD2", commander=True)):
        decision = can(other, operation, context)
        assert (decision.allowed, decision.reason) == (False, reason)
    assert not can(NOBODY, operation, AuthorityContext(commander_id=None)).allowed


def test_a_declared_commander_pool_limits_who_takes_command():
    def hand_to(target, pool=True):
        return can(ENGINEER, Operation.HAND_OVER_COMMAND,
                   AuthorityContext(commander_id=ENGINEER.user_id, new_commander=target, commander_pool=pool))

    assert hand_to(COMMANDER_POOL).allowed
    assert hand_to(ONCALL).allowed
    assert hand_to(ADMIN).allowed
    refused = hand_to(FRONTLINE)
    assert not refused.allowed
    assert refused.reason == ("Only people in the incident commander pool can take command; "
                              "<@U0FRONT> is not in it.")
    assert hand_to(FRONTLINE, pool=False).allowed  # no pool declared: anyone can command


def test_roles_of_the_actor():
    assert not NOBODY.is_agent and FRONTLINE.is_agent and ONCALL.is_agent and GENERIC_AGENT.is_agent
    assert ONCALL.may_command and COMMANDER_POOL.may_command and not FRONTLINE.may_command
    assert ANYONE.restricted is False and NOBODY.restricted is True


def test_the_reporter_agents_and_admins_reopen_a_ticket():
    context = AuthorityContext(tiers=TIERS, reporter_id="U0REPORTER")
    for allowed in (ActorRoles("U0REPORTER"), FRONTLINE, GENERIC_AGENT, ONCALL, ADMIN):
        assert can(allowed, Operation.REOPEN_TICKET, context).allowed
    for refused in (NOBODY, COMMANDER_POOL):
        decision = can(refused, Operation.REOPEN_TICKET, context)
        assert (decision.allowed, decision.reason) == (
            False, "Only the ticket's reporter, agents or admins can reopen a ticket.")
    assert not can(NOBODY, Operation.REOPEN_TICKET, AuthorityContext(reporter_id=None)).allowed


@pytest.mark.parametrize(("operation", "reason"), [
    (Operation.ACKNOWLEDGE_PAGE, "Only people on call, agents or admins can acknowledge a page."),
    (Operation.RESOLVE_PAGE, "Only people on call, agents or admins can resolve a page."),
])
def test_people_on_call_agents_and_admins_answer_pages(operation, reason):
    for allowed in (ONCALL, FRONTLINE, ENGINEER, GENERIC_AGENT, ADMIN):
        assert can(allowed, operation, AuthorityContext(tiers=TIERS)).allowed
    for refused in (NOBODY, COMMANDER_POOL):
        decision = can(refused, operation, AuthorityContext(tiers=TIERS))
        assert (decision.allowed, decision.reason) == (False, reason)
    # the commander of the incident a page is about may answer it
    assert can(COMMANDER_POOL, operation, AuthorityContext(commander_id="U0LEAD")).allowed
    assert not can(NOBODY, operation, AuthorityContext(commander_id="U0LEAD")).allowed


@pytest.mark.parametrize(("operation", "reason"), [
    (Operation.CHANGE_SEVERITY, "Only the incident commander or an admin can change the severity."),
    (Operation.ASSIGN_INCIDENT_ROLE, "Only the incident commander or an admin can assign incident roles."),
])
def test_only_the_commander_or_an_admin_changes_severity_and_roles(operation, reason):
    context = AuthorityContext(commander_id="U0LEAD", comms_id="U0COMMS")
    assert can(COMMANDER_POOL, operation, context).allowed
    assert can(ADMIN, operation, context).allowed
    for other in (ActorRoles("U0COMMS"), NOBODY, ENGINEER, ONCALL):
        decision = can(other, operation, context)
        assert (decision.allowed, decision.reason) == (False, reason)


@pytest.mark.parametrize(("operation", "reason"), [
    (Operation.POST_INCIDENT_UPDATE,
     "Only the incident commander, the comms lead or an admin can post the incident's status update."),
    (Operation.POST_EXTERNAL_UPDATE,
     "Only the incident commander, the comms lead or an admin can record a customer update."),
])
def test_the_commander_or_the_comms_lead_posts_updates(operation, reason):
    context = AuthorityContext(commander_id="U0LEAD", comms_id="U0COMMS")
    for allowed in (COMMANDER_POOL, ActorRoles("U0COMMS"), ADMIN):
        assert can(allowed, operation, context).allowed
    for other in (NOBODY, ENGINEER, ONCALL, ActorRoles("U0LEAD2", commander=True)):
        decision = can(other, operation, context)
        assert (decision.allowed, decision.reason) == (False, reason)
    assert not can(NOBODY, operation, AuthorityContext()).allowed  # no commander, no comms lead
