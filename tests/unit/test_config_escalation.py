"""The escalation matrix in app.yaml: `page_on_open`, a tier's `response` and `mention`,
the `escalation` section, and the problem lines (with key paths) when they are wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.policies import example_policy_data
from workflows.policy.durations import Target
from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


@pytest.fixture
def data() -> dict:
    data = example_policy_data()
    data.pop("escalation", None)
    return data


def test_without_the_new_keys_the_policy_does_what_it_always_did(data):
    for priority in data["priorities"].values():
        priority.pop("page_on_open", None)
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
    config = parse_config(data)
    assert not any(p.page_on_open for p in config.priorities.values())
    assert all(t.response is None and t.mention is None for t in config.tiers)
    assert config.escalation is None
    policy = config.escalation_policy
    assert policy.after == {} and policy.time_in_tier == {}
    assert policy.escalates_on("P0", "first_response") and policy.escalates_on("P1", "first_response")
    assert not policy.escalates_on("P2", "first_response") and not policy.escalates_on("P0", "resolution")
    assert policy.management_after("P0") == policy.management_after("P1") == timedelta(hours=4)
    assert policy.management_after("P2") is None
    assert config.management_channel() == config.tier("tier4").channel


def test_the_keys_are_read(data):
    data["priorities"]["P0"]["page_on_open"] = True
    data["tiers"][1].update(response="30m", mention="S0TIER2GRP")
    data["tiers"][2].update(response="15m", mention="oncall")
    data["tiers"][3].update(mention="here")
    data["tiers"][0].update(mention="U0LEAD0001")
    data["escalation"] = {
        "after": {"P0": "30m", "P1": "2h"},
        "time_in_tier": {"performance issues": {"tier2": "4h", "tier3": "2h"}},
        "on_breach": {"P0": ["first_response", "resolution"], "P2": ["tier_response"]},
        "management": {"after": {"P0": "4h"}, "channel": "C0MGMT0001", "mention": "S0MANAGERS"},
    }
    config = parse_config(data)
    assert config.priority("P0").page_on_open and not config.priority("P1").page_on_open
    assert config.tier("tier2").response == Target(time=timedelta(minutes=30))
    assert [t.mention for t in config.tiers] == ["U0LEAD0001", "S0TIER2GRP", "oncall", "here"]
    policy = config.escalation_policy
    assert policy.after_for("P1") == Target(time=timedelta(hours=2)) and policy.after_for("P2") is None
    assert policy.time_in_tier_for("Performance issues", "tier2") == Target(time=timedelta(hours=4))
    assert policy.time_in_tier_for("Performance issues", "tier1") is None
    assert policy.escalates_on("P2", "tier_response") and not policy.escalates_on("P1", "first_response")
    assert policy.management_after("P1") is None
    assert config.management_channel() == "C0MGMT0001"
    assert policy.management.mention == "S0MANAGERS"


def test_a_section_without_on_breach_or_management_keeps_those_defaults(data):
    data["escalation"] = {"after": {"P0": "30m"}}
    policy = parse_config(data).escalation_policy
    assert policy.escalates_on("P1", "first_response")
    assert policy.management_after("P0") == timedelta(hours=4)
    data["escalation"] = {"on_breach": {}, "management": {"after": {}}}
    policy = parse_config(data).escalation_policy
    assert not policy.escalates_on("P0", "first_response") and policy.management_after("P0") is None


def test_unknown_tiers_and_categories_in_the_matrix_are_named_with_their_key_paths(data):
    data["escalation"] = {"time_in_tier": {"Performance issues": {"tier9": "4h"}, "Nope": {"tier1": "1h"}}}
    found = problems(data)
    assert "escalation.time_in_tier.Performance issues.tier9: unknown tier 'tier9' (tiers: tier1, tier2, tier3, tier4)" \
        in found
    assert any(line.startswith("escalation.time_in_tier.Nope: unknown category 'Nope' (categories: Login problems")
               for line in found)


def test_wrong_values_are_named_with_their_key_paths(data):
    data["priorities"]["P0"]["page_on_open"] = "sometimes"
    data["tiers"][1].update(response="soon", mention="@tier2")
    data["escalation"] = {
        "after": {"P0": "half an hour", "P7": "1h"},
        "on_breach": {"P0": ["first_response", "slowness", "first_response"]},
        "management": {"after": {"P0": "4h"}, "channel": "mgmt", "mention": "here", "colour": "red"},
        "whenever": True,
    }
    found = problems(data)
    for expected in (
        "priorities.P0.page_on_open: expected true or false, got 'sometimes'",
        "tiers[1].response: 'soon' is not a duration (use 30s, 15m, 4h, 2d, 1w)",
        "tiers[1].mention: '@tier2' is not a mention (a user group id S…, a user id U…, oncall or here)",
        "escalation.after.P0: 'half an hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)",
        "escalation.after.P7: unknown priority 'P7' (priorities: P0, P1, P2, P3)",
        "escalation.on_breach.P0[1]: 'slowness' is not a breach "
        "(use first_response, next_response, resolution, tier_response)",
        "escalation.management.channel: 'mgmt' is not a Slack channel id (like C0123ABCDE)",
        "escalation.management.mention: 'here' is not a user group (S…) or user (U…) id",
        "escalation.management.colour: unknown key",
        "escalation.whenever: unknown key",
    ):
        assert expected in found, (expected, found)


def test_a_breach_listed_twice_is_a_problem(data):
    data["escalation"] = {"on_breach": {"P1": ["resolution", "resolution"]}}
    assert problems(data) == ["escalation.on_breach.P1[1]: resolution is listed twice"]


def test_the_example_policy_encodes_the_practice_and_warns_of_nothing():
    from tests.policies import example_policy
    from workflows.policy.escalation_notes import escalation_warnings

    config = example_policy()
    policy = config.escalation_policy
    assert config.priority("P0").page_on_open
    assert [str(t.response) for t in config.tiers] == ["15m", "30m", "15m", "1h"]
    assert [str(policy.after_for(p)) for p in ("P0", "P1")] == ["30m", "2h"]
    assert str(policy.time_in_tier_for("Performance issues", "tier2")) == "4h"
    assert str(policy.time_in_tier_for("Account compromise", "tier3")) == "30m"
    assert policy.escalates_on("P0", "resolution") and policy.escalates_on("P1", "first_response")
    assert policy.management_after("P1") == timedelta(hours=4)
    assert escalation_warnings(config) == []


def test_entries_that_cannot_act_as_written_are_warnings_with_key_paths(data):
    from workflows.policy.escalation_notes import escalation_warnings

    data["categories"][2]["resolution"] = "4h"  # Performance issues
    for tier in data["tiers"]:
        tier.pop("response", None)
    data["escalation"] = {
        "time_in_tier": {"Performance issues": {"tier2": "8h", "tier1": "1h"}},
        "after": {"P1": "12h"},
        "on_breach": {"P2": ["next_response"], "P3": ["tier_response"]},
    }
    warnings = escalation_warnings(parse_config(data))
    assert warnings == [
        "escalation.time_in_tier.Performance issues.tier2: 8h is longer than the resolution target of every "
        "priority (the longest: 4h on P0): a ticket is overdue before it would move on",
        "escalation.time_in_tier.Performance issues.tier1: tier1 is not on the escalation path of Performance "
        "issues (tier2 → tier3): this entry never applies",
        "escalation.after.P1: 12h is longer than P1's resolution target (8h): the ticket is overdue before it "
        "would move on",
        "escalation.on_breach.P2: next_response, but P2 has no next_response target (that breach never happens)",
        "escalation.on_breach.P3: tier_response, but no tier has a response target (that breach never happens)",
    ]


def test_check_config_prints_the_warnings_and_still_passes(data, tmp_path, capsys):
    import yaml

    from bot.cli import main

    data["escalation"] = {"after": {"P1": "12h"}}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["check-config", str(path)], environ={}) == 0
    out = capsys.readouterr().out
    assert "OK" in out
    assert ("warning: escalation.after.P1: 12h is longer than P1's resolution target (8h): the ticket is overdue "
            "before it would move on") in out.splitlines()


def test_doctor_checks_the_channels_and_people_the_matrix_names(data):
    from bot.doctor import named_channels, named_users

    data["tiers"][3]["mention"] = "U0HEADOFSUP"
    data["tiers"][1]["mention"] = "S0TIER2LEAD"
    data["escalation"] = {"management": {"channel": "C0MGMT0001", "mention": "U0CTO00001"}}
    config = parse_config(data)
    assert named_channels(config)["C0MGMT0001"] == ["escalation.management.channel"]
    users = named_users(config)
    assert users["U0HEADOFSUP"] == ["tiers[tier4].mention"] and users["U0CTO00001"] == ["escalation.management.mention"]
    assert "S0TIER2LEAD" not in users
