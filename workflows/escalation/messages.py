"""Escalation: the request posted to the next tier, and the modal that asks for a reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.policy.desk import Tier
from workflows.policy.schema import AppConfig
from workflows.escalation.ids import EscalationAction, EscalationBlock, EscalationView
from models.tickets import Ticket
from workflows.block_text import cap, escape, link, mrkdwn, plain, slack_date, user
from workflows.tickets.messages.card import priority_label, tier_label
from workflows.button_values import parse_row_id
from workflows.escalation.commands import IMPACT_MAX, REASON_MAX
from workflows.tickets.commands import parse_number


@dataclass(frozen=True)
class EscalationFacts:
    """What the next tier needs to pick a ticket up, as the escalation template lists it."""

    ticket: Ticket
    from_tier: str | None
    to_tier: Tier
    reason: str
    impact: str | None
    time_open: str
    attempts: int
    escalated_by: str | None  # None: the bot (SLA breach)


def mention_markup(mention: str | None, *, oncall_primary: str | None = None) -> str | None:
    """A tier's ``mention`` as Slack markup: a user group (``<!subteam^S…>``), a person
    (``<@U…>``), the current primary on call (``oncall``; None when nobody is) or ``<!here>``."""
    if not mention:
        return None
    if mention == "here":
        return "<!here>"
    if mention == "oncall":
        return user(oncall_primary) if oncall_primary else None
    if mention.startswith("S"):
        return f"<!subteam^{mention}>"
    return user(mention)


def escalation_request_text(facts: EscalationFacts, mention: str | None = None) -> str:
    text = f"Escalation request: ticket #{facts.ticket.number} needs {facts.to_tier.name}"
    return f"{mention} {text}" if mention else text


def build_escalation_request(facts: EscalationFacts, config: AppConfig,
                             mention: str | None = None) -> list[dict[str, Any]]:
    """The request in the new tier's channel; ``mention`` (markup from ``mention_markup``)
    heads it, so the tier is notified."""
    ticket = facts.ticket
    requester = user(facts.escalated_by) if facts.escalated_by else "supportbot (automatic)"
    fields = [
        f"*Ticket*\n{link(ticket.permalink, f'#{ticket.number}')}",
        f"*Customer*\n{escape(ticket.customer) or '—'}",
        f"*Severity*\n{escape(priority_label(config, ticket.priority))}",
        f"*Time open*\n{facts.time_open}",
        f"*Attempts*\n{facts.attempts} thread repl{'y' if facts.attempts == 1 else 'ies'} so far",
        f"*Requesting tier*\n{escape(tier_label(config, facts.from_tier))} → *{escape(facts.to_tier.name)}*",
    ]
    asked = [{"type": "section", "text": mrkdwn(f"{mention} — {escape(facts.to_tier.name)}, this ticket needs you.")}]
    return [
        {"type": "header", "text": plain(f"🚨 Escalation request · #{ticket.number}")},
        *(asked if mention else []),
        {"type": "section", "text": mrkdwn(f"*Issue*\n{escape(ticket.summary)}")},
        {"type": "section", "fields": [mrkdwn(f) for f in fields]},
        {"type": "section", "text": mrkdwn(f"*Impact*\n{escape(facts.impact) if facts.impact else '_not stated_'}")},
        {"type": "section", "text": mrkdwn(f"*Reason*\n{escape(facts.reason)}")},
        {"type": "context", "elements": [mrkdwn(
            f"Escalated by {requester} · {escape(ticket.category)} · "
            f"{link(ticket.permalink, 'open the ticket thread')} to take it from here")]},
    ]


def end_of_path_text(ticket: Ticket, *, reason: str, tier_name: str) -> str:
    """An automatic escalation was due but the ticket is at the last tier of its path."""
    return (f":arrow_up: #{ticket.number} is due to move on ({escape(reason)}), but it is already at the last tier "
            f"of its escalation path ({escape(tier_name)}): it stays there and is not escalated further.")


def reporter_escalation_text(*, number: int, summary: str, priority: str, tier: str, response: str | None,
                             response_due: datetime | None, permalink: str | None = None) -> str:
    """The reporter's notice that their ticket moved to a specialist team (every escalation,
    by hand or automatic), with the new tier's response target when it has one. Plain
    values in (``summary`` and ``tier`` unescaped), Slack mrkdwn out."""
    ref = link(permalink, f"#{number}") if permalink else f"*#{number}*"
    text = (f":arrow_up: Your ticket {ref} ({escape(priority)}) “{escape(cap(summary, 150))}” has been passed to "
            f"*{escape(tier)}*, a specialist team with more expertise in this area.")
    if response and response_due is not None:
        text += f" They aim to answer in the ticket's thread within {response} (by {slack_date(response_due)})."
    else:
        text += " They will pick it up in the ticket's thread."
    return text + " We will keep you updated there."


def thread_note(facts: EscalationFacts) -> str:
    who = user(facts.escalated_by) if facts.escalated_by else "supportbot"
    return (f":arrow_up: {who} escalated #{facts.ticket.number} to *{escape(facts.to_tier.name)}* "
            f"(<#{facts.to_tier.channel}>): {escape(facts.reason)}")


def build_escalate_modal(*, ticket_id: int | None = None, number: int | None = None) -> dict[str, Any]:
    """Reason (and, from `/escalate` with no arguments, the ticket number) for an escalation."""
    blocks: list[dict[str, Any]] = []
    if ticket_id is None:
        blocks.append({"type": "input", "block_id": str(EscalationBlock.ESCALATE_TICKET), "label": plain("Ticket number"),
                       "element": {"type": "plain_text_input", "action_id": str(EscalationAction.ESCALATE_TICKET),
                                   "placeholder": plain("#42"), "max_length": 12}})
    blocks += [
        {"type": "input", "block_id": str(EscalationBlock.ESCALATE_REASON), "label": plain("Reason"),
         "element": {"type": "plain_text_input", "action_id": str(EscalationAction.ESCALATE_REASON), "multiline": True,
                     "max_length": REASON_MAX, "placeholder": plain("What was tried, and why the next tier is needed")}},
        {"type": "input", "block_id": str(EscalationBlock.ESCALATE_IMPACT), "label": plain("Impact"), "optional": True,
         "element": {"type": "plain_text_input", "action_id": str(EscalationAction.ESCALATE_IMPACT), "max_length": IMPACT_MAX,
                     "placeholder": plain("Who is affected, and how badly")}},
    ]
    title = f"Escalate #{number}" if number else "Escalate a ticket"
    return {
        "type": "modal", "callback_id": str(EscalationView.ESCALATE), "title": plain(title, 24),
        "submit": plain("Escalate"), "close": plain("Cancel"),
        "private_metadata": json.dumps({"ticket_id": ticket_id} if ticket_id else {}), "blocks": blocks,
    }


@dataclass(frozen=True)
class EscalateForm:
    ticket_id: int | None
    number: int | None
    reason: str
    impact: str | None


def _state_value(values: dict[str, Any], block: EscalationBlock, action: EscalationAction) -> str | None:
    state = values.get(str(block), {}).get(str(action), {})
    value = state.get("value") if isinstance(state, dict) else None
    return value.strip() or None if isinstance(value, str) else None


def parse_escalate_form(view: dict[str, Any]) -> tuple[EscalateForm, dict[str, str]]:
    """The submitted escalate modal and its field errors (keyed by block_id)."""
    values = (view.get("state") or {}).get("values") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    raw_id = meta.get("ticket_id") if isinstance(meta, dict) else None
    ticket_id = parse_row_id(str(raw_id)) if type(raw_id) is int else None  # noqa: E721 - not a bool
    errors: dict[str, str] = {}
    number = None
    if ticket_id is None:
        raw_number = _state_value(values, EscalationBlock.ESCALATE_TICKET, EscalationAction.ESCALATE_TICKET)
        number = parse_number(raw_number) if raw_number else None
        if number is None:
            errors[str(EscalationBlock.ESCALATE_TICKET)] = "Give the ticket number, e.g. 42 or #42."
    reason = _state_value(values, EscalationBlock.ESCALATE_REASON, EscalationAction.ESCALATE_REASON) or ""
    if not reason:
        errors[str(EscalationBlock.ESCALATE_REASON)] = "Say why the ticket needs the next tier."
    elif len(reason) > REASON_MAX:
        errors[str(EscalationBlock.ESCALATE_REASON)] = f"Keep the reason to {REASON_MAX} characters."
    impact = _state_value(values, EscalationBlock.ESCALATE_IMPACT, EscalationAction.ESCALATE_IMPACT)
    if impact and len(impact) > IMPACT_MAX:
        errors[str(EscalationBlock.ESCALATE_IMPACT)] = f"Keep the impact to {IMPACT_MAX} characters."
    return EscalateForm(ticket_id=ticket_id, number=number, reason=reason, impact=impact), errors
