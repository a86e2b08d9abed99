"""The ``intake``, ``customers`` and ``plans`` sections: their shapes, the checks across
sections (each problem at its key path), and the policy a plan's ticket is measured by."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.policies import example_policy_data
from workflows.policy.loader import parse_config
from workflows.policy.plans import plan_policy, ticket_policy
from workflows.policy.problems import ConfigError


def _problems(**sections) -> list[str]:
    data = example_policy_data()
    data.update(sections)
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    return raised.value.problems


def test_without_the_sections_nothing_changes():
    data = example_policy_data()
    data.pop("plans")
    config = parse_config(data)
    assert config.intake.reaction is None and config.intake.customer_channels == "auto"
    assert config.intake.send_prefix is None and config.customers == [] and config.plans == {}
    assert config.customer_of_channel("C0TRIAGE01") is None


def test_intake_values_are_checked():
    problems = _problems(intake={"reaction": "not an emoji", "customer_channels": "sometimes",
                                 "send_prefix": "two words"})
    assert "intake.reaction: 'not an emoji' is not an emoji name (like ticket or eyes, without colons)" in problems
    assert "intake.customer_channels: 'sometimes' is not auto or ask" in problems
    assert any(p.startswith("intake.send_prefix: 'two words' is not a prefix") for p in problems)
    assert parse_config({**example_policy_data(), "intake": {"reaction": ":ticket:"}}).intake.reaction == "ticket"


def test_the_intake_emoji_is_not_the_pin_emoji():
    assert _problems(intake={"reaction": "pushpin"}) == [
        "intake.reaction: 'pushpin' is incidents.pin_emoji already; pick another emoji"]


def test_customers_are_checked_across_sections():
    problems = _problems(customers=[
        {"name": "Acme", "channels": ["C0ACME1", "C0TIER1FL"], "plan": "gold", "category": "Nope"},
        {"name": "ACME", "channels": ["C0ACME1"]},
    ])
    assert "customers[0].channels[1]: C0TIER1FL is the desk's own channel (tiers[tier1].channel); " \
           "customers would read its tickets" in problems
    assert "customers[0].plan: unknown plan 'gold' (plans: basic, professional, enterprise)" in problems
    assert "customers[0].category: unknown category 'Nope'" in problems
    assert "customers[1].name: duplicate customer 'ACME'" in problems
    assert "customers[1].channels[0]: C0ACME1 is already a channel of Acme" in problems
    assert _problems(customers=[{"name": "Acme", "channels": ["nope"]}]) == [
        "customers[0].channels[0]: 'nope' is not a Slack channel id (like C0123ABCDE)"]


def test_a_plan_replaces_some_keys_of_some_priorities_and_the_hours():
    data = example_policy_data()
    data["plans"]["weekend"] = {"priorities": {"P2": {"first_response": "1h", "warn_at": 0.5}},
                                "business_hours": {"days": ["sat", "sun"], "start": "10:00", "end": "16:00"}}
    config = parse_config(data)
    policy = plan_policy(config, "weekend")
    assert policy.priority("P2").first_response.time == timedelta(hours=1) and policy.priority("P2").warn_at == 0.5
    assert policy.priority("P2").resolution == config.priority("P2").resolution
    assert policy.priority("P1") == config.priority("P1") and policy.business_hours.days == ["sat", "sun"]
    assert plan_policy(config, "weekend") is policy  # one policy per plan and loaded config
    assert plan_policy(config, None) is config and plan_policy(config, "gone") is config

    class Ticket:
        plan = "enterprise"
    assert ticket_policy(config, Ticket()).priority("P2").business_hours is False


def test_a_plans_targets_read_sensibly():
    data = example_policy_data()
    data["plans"]["basic"]["priorities"]["P2"] = {"first_response": "3d"}  # 30 working hours: longer than the 24h resolution
    problems = _problems(plans=data["plans"])
    assert problems == ["plans.basic.priorities.P2.resolution: 24h is shorter than first_response (3d)"]
