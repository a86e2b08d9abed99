"""app.yaml's ``limits`` section: defaults, ``off``, and problems with their key paths."""

from __future__ import annotations

import pytest

from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from tests.policies import example_policy_data


def with_limits(limits: object) -> dict:
    data = example_policy_data()
    data["limits"] = limits
    return data


def test_without_the_section_ten_tickets_and_three_incidents_a_minute():
    data = example_policy_data()
    data.pop("limits", None)
    limits = parse_config(data).limits
    assert (limits.tickets_per_minute, limits.incidents_per_minute) == (10, 3)


def test_values_and_off():
    limits = parse_config(with_limits({"tickets_per_minute": 25, "incidents_per_minute": "off"})).limits
    assert (limits.tickets_per_minute, limits.incidents_per_minute) == (25, None)
    assert parse_config(with_limits({"tickets_per_minute": 2})).limits.incidents_per_minute == 3


def test_problems_name_their_key_path():
    with pytest.raises(ConfigError) as raised:
        parse_config(with_limits({"tickets_per_minute": 0, "incidents_per_minute": True, "per_hour": 5}))
    assert sorted(raised.value.problems) == [
        "limits.incidents_per_minute: True is not a number per minute from 1 to 1000 (or off)",
        "limits.per_hour: unknown key",
        "limits.tickets_per_minute: 0 is not a number per minute from 1 to 1000 (or off)",
    ]
    with pytest.raises(ConfigError) as raised:
        parse_config(with_limits({"tickets_per_minute": "10/min"}))
    assert raised.value.problems == ["limits.tickets_per_minute: '10/min' is not a number per minute from 1 to 1000 (or off)"]
