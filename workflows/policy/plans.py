"""The policy a ticket is measured by: the desk's, or its customer's plan's.

    policy = ticket_policy(config, ticket)     # ticket.plan "enterprise": P1 first response 30m…
    policy = plan_policy(config, "enterprise")  # the same, by the plan's name

A plan (``plans:`` in app.yaml) replaces some keys of some priorities and, optionally,
the business hours; everything else (tiers, categories, channels…) is the desk's. The
result is an ``AppConfig`` like any other, so every SLA computation (due times, the
plan of warnings, the card's standings, waiting, reopening, a policy reload) reads a
plan's ticket without knowing about plans. One policy per plan is kept per loaded
``AppConfig`` (and so one working calendar per plan, ``workflows/policy/calendars.py``).
A plan that app.yaml no longer lists is measured by the desk's policy.
"""

from __future__ import annotations

from typing import Any

from workflows.policy.intake import plan_priorities
from workflows.policy.schema import AppConfig

__all__ = ["plan_policy", "ticket_policy"]

_POLICIES: dict[tuple[int, str], tuple[AppConfig, AppConfig]] = {}


def plan_policy(config: AppConfig, plan: str | None) -> AppConfig:
    """``config`` as plan ``plan`` changes it (``config`` itself without a known plan)."""
    found = config.plans.get(plan) if plan else None
    if found is None:
        return config
    key = (id(config), plan or "")
    cached = _POLICIES.get(key)
    if cached is None or cached[0] is not config:
        update: dict[str, Any] = {"priorities": plan_priorities(config.priorities, found)}
        if found.business_hours is not None:
            update["business_hours"] = found.business_hours
        cached = (config, config.model_copy(update=update))
        _POLICIES[key] = cached
    return cached[1]


def ticket_policy(config: AppConfig, ticket: Any) -> AppConfig:
    """The policy ``ticket`` is measured by (its ``plan``'s, else the desk's)."""
    return plan_policy(config, getattr(ticket, "plan", None))
