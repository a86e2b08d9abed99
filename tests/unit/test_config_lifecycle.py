"""app.yaml's lifecycle keys (#19): `tiers[].assignment`/`max_open`, `tickets` and `messages`:
defaults that change nothing, `off`, and problems with their key paths."""

from __future__ import annotations

from datetime import timedelta

import pytest

import yaml

from tests.policies import EXAMPLE_APP_YAML, example_policy, example_policy_data
from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError


def test_without_the_sections_nothing_closes_reminds_or_is_sent():
    data = example_policy_data()
    data.pop("tickets", None)
    data.pop("messages", None)
    config = parse_config(data)
    assert (config.tickets.close_after, config.tickets.update_every) == (None, None)
    assert (config.messages.acknowledgement, config.messages.escalated, config.messages.resolved) == (None, None, None)
    assert all(tier.assignment is None and tier.max_open is None for tier in config.tiers)


def test_the_example_carries_the_practice():
    """tickets is on in the example; messages is there in the practice's words, commented
    out (uncommented, it is valid)."""
    config = example_policy()
    assert (config.tickets.close_after, config.tickets.update_every) == (timedelta(days=7), timedelta(hours=24))
    assert config.messages.acknowledgement is None
    text = EXAMPLE_APP_YAML.read_text(encoding="utf-8")
    block = text[text.index("# messages:"):].split("\n\n", 1)[0]
    data = example_policy_data()
    data.update(yaml.safe_load("\n".join(line[2:] for line in block.splitlines())))
    config = parse_config(data)
    assert "{first_response_due}" in config.messages.acknowledgement
    assert "escalated it to our {tier} team" in config.messages.escalated
    assert "{resolution}" in config.messages.resolved


def test_values_and_off():
    data = example_policy_data()
    data["tickets"] = {"close_after": "off", "update_every": "2d"}
    data["messages"] = {"acknowledgement": "off", "resolved": "#{number}: {resolution} {{done}}"}
    data["tiers"][0].update(assignment="least_open", max_open=5)
    config = parse_config(data)
    assert (config.tickets.close_after, config.tickets.update_every) == (None, timedelta(days=2))
    # off ("": nothing is sent) and left out (None: for escalated, the built-in notice)
    assert (config.messages.acknowledgement, config.messages.escalated) == ("", None)
    assert config.messages.resolved == "#{number}: {resolution} {{done}}"
    assert (config.tiers[0].assignment, config.tiers[0].max_open) == ("least_open", 5)


def test_problems_name_their_key_path():
    data = example_policy_data()
    data["tickets"] = {"close_after": "a week", "remind": "24h"}
    data["messages"] = {"acknowledgement": "Hi {name}", "escalated": "{tier:>10}", "resolved": "{", "other": "x"}
    data["tiers"][0]["assignment"] = "random"
    data["tiers"][1]["max_open"] = 0
    data["tiers"][2]["assignment"] = "round_robin"  # Engineering lists no members
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    problems = "\n".join(raised.value.problems)
    for expected in (
        "tickets.close_after: 'a week' is not a duration",
        "tickets.remind:",
        "messages.acknowledgement: unknown placeholder '{name}' (use {number}, {summary}, {priority}, "
        "{first_response_due}, {tier}, {resolution})",
        "messages.escalated: {tier} takes no format",
        "messages.resolved: has a stray brace",
        "messages.other:",
        "tiers[0].assignment: 'random' is not an assignment mode (use round_robin or least_open)",
        "tiers[1].max_open: 0 is not a number of open tickets from 1 to 1000",
        "tiers[2]: assignment needs members",
    ):
        assert expected in problems, problems
