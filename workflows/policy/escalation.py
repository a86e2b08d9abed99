"""The escalation matrix: the ``escalation`` section and the checks of its names.

    escalation:
      after: {P0: 30m, P1: 2h}             # unresolved this long after opening -> next tier
      time_in_tier:                        # per category, per tier: longest stay
        Performance issues: {tier2: 4h, tier3: 2h}
      on_breach: {P0: [first_response, resolution], P1: [first_response, resolution]}
      management: {after: {P0: 4h, P1: 4h}, channel: C0MGMT, mention: S0MANAGERS}

Every automatic escalation moves a ticket one tier along its category's path, once per
rule (``workflows/escalation/automatic.py``). ``after``, ``time_in_tier`` (and a tier's
``response``) are SLA targets: they count time as the ticket's priority does (working time,
and working days for ``d``/``w``, on business-hours priorities). ``management.after`` is
wall-clock time since the ticket was opened.

Without the section (``DEFAULT_ESCALATION``) the bot does what it always did: a P0/P1
first-response breach escalates, and a P0/P1 still open after 4 hours is announced in the
last tier's channel (``tier4`` when it exists). A key left out of a written section keeps
that default (``on_breach``, ``management``) or means none (``after``, ``time_in_tier``);
write ``on_breach: {}`` or ``management: {after: {}}`` to turn them off.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator

from workflows.policy.durations import Target
from workflows.policy.problems import Location, Problem, show
from workflows.policy.values import ChannelId, Duration, PriorityId, Section, SlaTarget, TierId, text_matching

__all__ = ["BREACHES", "Breach", "DEFAULT_ESCALATION", "Escalation", "Management", "ManagementMention",
           "TierMention", "escalation_problems"]

#: The breaches ``on_breach`` may name: the SLA clocks, and a tier's ``response``.
BREACHES = ("first_response", "next_response", "resolution", "tier_response")
Breach = Literal["first_response", "next_response", "resolution", "tier_response"]


def _parse_breach(value: object) -> str:
    if value in BREACHES:
        return value  # type: ignore[return-value]
    raise ValueError(f"{show(value)} is not a breach (use {', '.join(BREACHES)})")


def _parse_category_key(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"{show(value)} is not a category name")


#: Who an escalation request mentions: a user group (S…), a person (U…/W…), the current
#: primary on call (``oncall``) or everyone in the channel (``here``).
TierMention = Annotated[str, BeforeValidator(text_matching(
    r"S[A-Z0-9_]+|[UW][A-Z0-9_]+|oncall|here",
    "is not a mention (a user group id S…, a user id U…, oncall or here)"))]
#: Who the management notice mentions: a user group (S…) or a person (U…/W…).
ManagementMention = Annotated[str, BeforeValidator(text_matching(
    r"S[A-Z0-9_]+|[UW][A-Z0-9_]+", "is not a user group (S…) or user (U…) id"))]
BreachName = Annotated[str, BeforeValidator(_parse_breach)]
CategoryKey = Annotated[str, BeforeValidator(_parse_category_key)]

#: The practice (003): management hears of a P0 or P1 still open after 4 hours.
DEFAULT_MANAGEMENT_AFTER: dict[str, timedelta] = {"P0": timedelta(hours=4), "P1": timedelta(hours=4)}
#: What the bot always did: a first-response breach of a P0 or P1 escalates one tier.
DEFAULT_ON_BREACH: dict[str, list[str]] = {"P0": ["first_response"], "P1": ["first_response"]}


class Management(Section):
    """The management notice: one per ticket still open ``after`` (per priority) since it
    was opened, posted in ``channel`` (default: the last tier's channel, ``tier4`` when
    there is one) mentioning ``mention`` (a user group or a person; default nobody)."""

    after: dict[PriorityId, Duration] = DEFAULT_MANAGEMENT_AFTER
    channel: ChannelId | None = None
    mention: ManagementMention | None = None


class Escalation(Section):
    """When a ticket moves up its path without anyone asking (module docstring)."""

    after: dict[PriorityId, SlaTarget] = {}
    time_in_tier: dict[CategoryKey, dict[TierId, SlaTarget]] = {}
    on_breach: dict[PriorityId, list[BreachName]] = DEFAULT_ON_BREACH
    management: Management = Management()

    def after_for(self, priority: str) -> Target | None:
        return self.after.get(priority)

    def time_in_tier_for(self, category: str | None, tier: str | None) -> Target | None:
        """The longest stay of a ``category`` ticket in ``tier`` (category names ignore case)."""
        if category is None or tier is None:
            return None
        row = self.time_in_tier.get(category)
        if row is None:
            folded = category.casefold()
            row = next((r for name, r in self.time_in_tier.items() if name.casefold() == folded), None)
        return (row or {}).get(tier)

    def escalates_on(self, priority: str, breach: str) -> bool:
        return breach in self.on_breach.get(priority, ())

    def management_after(self, priority: str) -> timedelta | None:
        return self.management.after.get(priority)


DEFAULT_ESCALATION = Escalation()


def escalation_problems(escalation: Escalation, *, tier_ids: list[str], category_names: list[str]) -> list[Problem]:
    """Names in the matrix that the policy does not have: each with its key path."""
    problems: list[Problem] = []
    tiers = f"(tiers: {', '.join(tier_ids) or 'none defined'})"
    folded = {name.casefold(): name for name in category_names}
    seen: dict[str, str] = {}
    for name, row in escalation.time_in_tier.items():
        loc: Location = ("escalation", "time_in_tier", name)
        if name.casefold() not in folded:
            problems.append((loc, f"unknown category {name!r} (categories: {', '.join(category_names)})"))
        elif name.casefold() in seen:
            problems.append((loc, f"{name!r} is the category {seen[name.casefold()]!r} again"))
        seen.setdefault(name.casefold(), name)
        for tier_id in row:
            if tier_id not in tier_ids:
                problems.append((loc + (tier_id,), f"unknown tier {tier_id!r} {tiers}"))
    for pid, breaches in escalation.on_breach.items():
        for i, breach in enumerate(breaches):
            if breach in breaches[:i]:
                problems.append((("escalation", "on_breach", pid, i), f"{breach} is listed twice"))
    return problems
