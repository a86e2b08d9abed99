"""Automatic escalations: the rules of the escalation matrix moving a ticket one tier up
its category's path, each at most once per ticket.

A rule fires from the SLA engine (``workflows/sla/engine.py``), in the transaction that
claims its notification row: ``escalation.after`` and ``escalation.time_in_tier`` have rows
of their own (``workflows/sla/plan.py``), ``escalation.on_breach`` rides on the breach it
names, the management notice on its row. Each is first claimed by name in
``auto_escalations`` (``models/auto_escalations.py``)::

    after                            unresolved this long after it was opened
    time_in_tier:<tier>              too long in <tier>
    on_breach:<clock>                a breach of first_response, next_response, resolution
    on_breach:tier_response:<tier>   <tier> did not answer in time
    management                       the management notice

so a restart, a second replica or a re-planned due time never fires it twice. The reason
("unresolved after 30m (P0)", "8h in Technical (Performance issues)") goes on the
timeline and into the escalation request. A ticket at the end of its path stays where it
is: the timeline says so every time (``not_escalated``), the first such notice in the
ticket's life says so in Slack (the rule ``end_of_path``), later ones say nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.auto_escalations import claim_rule
from models.ticket_queries import add_ticket_event
from models.tickets import Ticket, TicketEventKind
from workflows.deps import Deps
from workflows.escalation.record import Escalated, escalate_in_transaction
from workflows.policy.schema import AppConfig
from workflows.tickets.messages.card import tier_label

__all__ = ["AFTER", "END_OF_PATH", "MANAGEMENT", "AutoOutcome", "after_reason", "breach_rule",
           "claim_management_notice", "escalate_by_rule", "time_in_tier_reason", "time_in_tier_rule"]

AFTER, MANAGEMENT, END_OF_PATH = "after", "management", "end_of_path"


def time_in_tier_rule(tier_id: str) -> str:
    return f"time_in_tier:{tier_id}"


def breach_rule(breach: str, tier_id: str | None) -> str:
    """The rule of an ``on_breach`` escalation: a tier's response is its own rule per tier
    (tier 2 and then tier 3 may each miss theirs)."""
    return f"on_breach:{breach}:{tier_id}" if breach == "tier_response" else f"on_breach:{breach}"


def after_reason(ticket: Ticket, config: AppConfig) -> str:
    return f"unresolved after {config.escalation_policy.after_for(ticket.priority)} ({ticket.priority})"


def time_in_tier_reason(ticket: Ticket, config: AppConfig) -> str:
    stay = config.escalation_policy.time_in_tier_for(ticket.category, ticket.tier)
    return f"{stay} in {tier_label(config, ticket.tier)} ({ticket.category})"


@dataclass(frozen=True)
class AutoOutcome:
    """What a rule did: moved the ticket (``escalated``), found it at the end of its path
    (``stays_at``: the tier it stays in; ``say_so``: this is the first time, the notice
    says so), or nothing (the rule had fired before: ``spent``)."""

    escalated: Escalated | None = None
    stays_at: str | None = None
    say_so: bool = False
    spent: bool = False


async def escalate_by_rule(db: AsyncSession, ticket: Ticket, *, deps: Deps, now: datetime, rule: str, reason: str,
                           note_in_thread: bool) -> AutoOutcome:
    """Fire ``rule`` for ``ticket`` (locked by the caller), in the caller's transaction."""
    to_tier = deps.config.next_tier(ticket.category, ticket.tier)
    if not await claim_rule(db, ticket.id, rule, at=now, to_tier=to_tier.id if to_tier else None):
        return AutoOutcome(spent=True)
    if to_tier is None:
        stays_at = tier_label(deps.config, ticket.tier)
        add_ticket_event(db, ticket, TicketEventKind.NOT_ESCALATED, actor_id=None, at=now, detail={
            "rule": rule, "reason": reason, "tier": ticket.tier, "why": "end of its escalation path"})
        say_so = await claim_rule(db, ticket.id, END_OF_PATH, at=now)
        return AutoOutcome(stays_at=stays_at, say_so=say_so)
    escalated = await escalate_in_transaction(db, ticket, deps=deps, now=now, actor_id=None, reason=reason,
                                              note_in_thread=note_in_thread, rule=rule)
    return AutoOutcome(escalated=escalated)


async def claim_management_notice(db: AsyncSession, ticket: Ticket, *, now: datetime) -> bool:
    """Whether the management notice of ``ticket`` is still to be sent (claimed now)."""
    return await claim_rule(db, ticket.id, MANAGEMENT, at=now)
