"""The example policy (the repository's app.yaml) for tests: loaded as the bot reads it,
or as plain data for a test to change and parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workflows.policy.loader import _Loader, load_config
from workflows.policy.schema import AppConfig

EXAMPLE_APP_YAML = Path(__file__).resolve().parent.parent / "app.yaml"

__all__ = ["EXAMPLE_APP_YAML", "example_policy", "example_policy_data"]


def example_policy() -> AppConfig:
    """The example app.yaml, loaded as ``supportbot serve`` loads it."""
    return load_config(EXAMPLE_APP_YAML)


def example_policy_data() -> dict[str, Any]:
    """A fresh copy of the example app.yaml as plain data, read with the bot's own YAML
    rules (``18:00`` stays text, ``NO`` is not false), for a test to change and parse."""
    return yaml.load(EXAMPLE_APP_YAML.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
