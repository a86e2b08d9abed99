"""Warnings about the escalation matrix for `check-config`: a policy the bot runs, but
with entries that cannot do what their author likely meant. Each line has its key path::

    escalation.time_in_tier.Payment failed.tier1: 1w is longer than the resolution target of
    every priority (the longest: 1w on P3): a ticket is overdue before it would move on

- a ``time_in_tier`` longer than the resolution target of every priority (the category's own
  ``resolution`` where it has one), each read on its priority's clock;
- a ``time_in_tier`` for a tier that is not on the category's path (it never applies);
- an ``after`` longer than its priority's resolution target;
- an ``on_breach`` naming ``next_response`` for a priority without that target, or
  ``tier_response`` when no tier has a ``response`` (the breach never happens).
"""

from __future__ import annotations

from datetime import timedelta

from workflows.policy.durations import Target
from workflows.policy.schema import AppConfig

__all__ = ["escalation_warnings"]


def _length(target: Target, config: AppConfig, business_hours: bool) -> timedelta:
    return config.business_hours.working_length(target) if business_hours else target.around_the_clock


def _longer_than_every_resolution(config: AppConfig, category: str, stay: Target) -> str | None:
    found = config.category(category)
    longest: tuple[timedelta, str, Target] | None = None
    for pid, priority in config.priorities.items():
        resolution = (found.resolution if found else None) or priority.resolution
        if _length(stay, config, priority.business_hours) <= _length(resolution, config, priority.business_hours):
            return None
        length = _length(resolution, config, priority.business_hours)
        if longest is None or length > longest[0]:
            longest = (length, pid, resolution)
    if longest is None:
        return None
    return (f"{stay} is longer than the resolution target of every priority (the longest: {longest[2]} on "
            f"{longest[1]}): a ticket is overdue before it would move on")


def escalation_warnings(config: AppConfig) -> list[str]:
    """One line per entry of ``escalation`` that can never act as written."""
    policy = config.escalation
    if policy is None:
        return []
    warnings: list[str] = []
    for name, row in policy.time_in_tier.items():
        path = [t.id for t in config.escalation_path(name)]
        for tier_id, stay in row.items():
            where = f"escalation.time_in_tier.{name}.{tier_id}"
            if path and tier_id not in path:
                warnings.append(f"{where}: {tier_id} is not on the escalation path of {name} "
                                f"({' → '.join(path)}): this entry never applies")
            longer = _longer_than_every_resolution(config, name, stay)
            if longer:
                warnings.append(f"{where}: {longer}")
    for pid, after in policy.after.items():
        priority = config.priority(pid)
        if _length(after, config, priority.business_hours) > _length(priority.resolution, config,
                                                                     priority.business_hours):
            warnings.append(f"escalation.after.{pid}: {after} is longer than {pid}'s resolution target "
                            f"({priority.resolution}): the ticket is overdue before it would move on")
    responses = any(t.response is not None for t in config.tiers)
    for pid, breaches in policy.on_breach.items():
        if "next_response" in breaches and config.priority(pid).next_response is None:
            warnings.append(f"escalation.on_breach.{pid}: next_response, but {pid} has no next_response target "
                            f"(that breach never happens)")
        if "tier_response" in breaches and not responses:
            warnings.append(f"escalation.on_breach.{pid}: tier_response, but no tier has a response target "
                            f"(that breach never happens)")
    return warnings
