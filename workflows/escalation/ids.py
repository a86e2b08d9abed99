"""The ids the escalation form carries, which Slack echoes back."""

from __future__ import annotations

from enum import StrEnum


class EscalationView(StrEnum):
    """callback_ids of modals."""

    ESCALATE = "ticket_escalate"


class EscalationBlock(StrEnum):
    """block_ids (validation errors are keyed by these)."""

    ESCALATE_TICKET = "escalate_ticket"
    ESCALATE_REASON = "escalate_reason"
    ESCALATE_IMPACT = "escalate_impact"


class EscalationAction(StrEnum):
    """action_ids of inputs and buttons."""

    ESCALATE_TICKET = "escalate_ticket_input"
    ESCALATE_REASON = "escalate_reason_input"
    ESCALATE_IMPACT = "escalate_impact_input"
