"""app.yaml's optional ``roles`` section (workflows/policy/roles.py)."""

from __future__ import annotations

import pytest

from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from tests.policies import example_policy_data


def with_roles(roles):
    data = example_policy_data()
    data["roles"] = roles
    return parse_config(data)


def problems(roles) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        with_roles(roles)
    return caught.value.problems


def test_the_example_has_no_roles_section():
    assert with_roles(None).roles is None


def test_agents_per_tier_and_the_other_roles():
    roles = with_roles({"agents": {"tier1": ["U0A", "S0FRONT"], "tier3": ["S0ENG"]}, "commanders": ["S0LEADS"],
                        "oncall": ["U0SRE"], "admins": ["U0BOSS"]}).roles
    assert roles.agents_by_tier == {"tier1": ["U0A", "S0FRONT"], "tier3": ["S0ENG"]}
    assert roles.agents_of_no_tier == []
    assert roles.user_groups() == {"S0FRONT", "S0ENG", "S0LEADS"}


def test_agents_as_one_list_and_empty_sections():
    roles = with_roles({"agents": ["U0A", "S0SUPPORT"], "oncall": None}).roles
    assert (roles.agents_of_no_tier, roles.agents_by_tier, roles.oncall) == (["U0A", "S0SUPPORT"], {}, [])
    assert with_roles({}).roles.admins == []


@pytest.mark.parametrize(("roles", "expected"), [
    ({"agents": "U0A"}, ["roles.agents: expected a list of agents, or a mapping of tier ids to lists of agents"]),
    ({"agents": ["U0A", "C0CHANNEL"]},
     ["roles.agents[1]: 'C0CHANNEL' is not a Slack user id (U0123ABCDE) or user group id (S0123ABCDE)"]),
    ({"agents": {"tier1": ["x"]}},
     ["roles.agents.tier1[0]: 'x' is not a Slack user id (U0123ABCDE) or user group id (S0123ABCDE)"]),
    ({"agents": {"tier9": ["U0A"]}},
     ["roles.agents.tier9: unknown tier 'tier9' (tiers: tier1, tier2, tier3, tier4)"]),
    ({"admins": "U0BOSS", "chiefs": ["U0A"]}, ["roles.admins: expected a list, got 'U0BOSS'", "roles.chiefs: unknown key"]),
    (["U0A"], ["roles: expected a mapping (key: value), got a list"]),
])
def test_problems_are_reported_where_they_are(roles, expected):
    assert problems(roles) == expected
