"""The example policy (the repository's app.yaml) for tests: loaded as the bot reads it,
or as plain data for a test to change and parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workflows.policy.loader import _Loader, load_config, parse_config
from workflows.policy.schema import AppConfig

EXAMPLE_APP_YAML = Path(__file__).resolve().parent.parent / "app.yaml"

__all__ = ["EXAMPLE_APP_YAML", "example_policy", "example_policy_data", "policy_without_matrix", "without_matrix"]


def example_policy() -> AppConfig:
    """The example app.yaml, loaded as ``supportbot serve`` loads it."""
    return load_config(EXAMPLE_APP_YAML)


def example_policy_data() -> dict[str, Any]:
    """A fresh copy of the example app.yaml as plain data, read with the bot's own YAML
    rules (``18:00`` stays text, ``NO`` is not false), for a test to change and parse."""
    return yaml.load(EXAMPLE_APP_YAML.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader


def policy_without_matrix() -> AppConfig:
    """The example app.yaml without its escalation matrix (#18): no ``escalation`` section
    (the defaults: P0/P1 first-response breaches escalate, the 4h management notice), no
    tier ``response`` or ``mention``, no ``page_on_open``. For tests of the SLA clocks,
    paging and metrics on their own, whose timelines the matrix would add to."""
    return parse_config(without_matrix(example_policy_data()))


def without_matrix(data: dict) -> dict:
    """``data`` (app.yaml as plain data) without the escalation matrix's parts, changed in place."""
    data.pop("escalation", None)
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
    for priority in data["priorities"].values():
        priority.pop("page_on_open", None)
    return data
