"""app.yaml's on-call operations keys (#21): `oncall.usergroup`, `oncall.handoff_channel`,
and the problem lines `supportbot check-config` prints for them."""

from __future__ import annotations

import pytest

from tests.unit.test_config import CONTRACT_EXAMPLE, problems
from workflows.policy.loader import load_config, parse_config
from tests.conftest import REPO_ROOT

import yaml


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(CONTRACT_EXAMPLE)


def test_usergroup_and_handoff_channel_are_optional(data):
    config = parse_config(data)
    assert config.oncall.usergroup is None and config.oncall.handoff_channel is None
    data["oncall"].update(usergroup="S0ONCALL", handoff_channel="C0HANDOFF")
    config = parse_config(data)
    assert (config.oncall.usergroup, config.oncall.handoff_channel) == ("S0ONCALL", "C0HANDOFF")


def test_bad_usergroup_and_handoff_channel_are_named_by_their_key_path(data):
    data["oncall"].update(usergroup="@oncall", handoff_channel="#handoff")
    assert problems(data) == [
        "oncall.usergroup: '@oncall' is not a Slack user group id (like S0123ABCDE)",
        "oncall.handoff_channel: '#handoff' is not a Slack channel id (like C0123ABCDE)",
    ]


def test_the_example_app_yaml_documents_them():
    text = (REPO_ROOT / "app.yaml").read_text()
    assert "usergroup:" in text and "handoff_channel:" in text
    load_config(REPO_ROOT / "app.yaml")


def test_postmortem_due_defaults_to_48h_and_is_checked(data):
    from datetime import timedelta
    assert parse_config(data).incidents.postmortem_due == timedelta(hours=48)
    data["incidents"]["postmortem_due"] = "soon"
    [problem] = problems(data)
    assert problem.startswith("incidents.postmortem_due: 'soon' is not a duration")


def test_pin_emoji_defaults_to_pushpin_and_is_checked(data):
    assert parse_config(data).incidents.pin_emoji == "pushpin"
    data["incidents"]["pin_emoji"] = ":pushpin:"
    assert problems(data) == ["incidents.pin_emoji: ':pushpin:' is not an emoji name (like pushpin, without colons)"]


def test_archive_after_is_off_by_default_and_is_checked(data):
    from datetime import timedelta
    assert parse_config(data).incidents.archive_after is None
    data["incidents"]["archive_after"] = "7d"
    assert parse_config(data).incidents.archive_after == timedelta(days=7)
    data["incidents"]["archive_after"] = "a week"
    [problem] = problems(data)
    assert problem.startswith("incidents.archive_after: 'a week' is not a duration")
    assert "archive_after: 7d" in (REPO_ROOT / "app.yaml").read_text()


def test_statuspage_is_optional_and_its_problems_are_named_by_key_path(data):
    assert parse_config(data).statuspage is None
    data["statuspage"] = {"page_id": "kctbh9vrtdwd", "components": {"P0": ["8kbf7d35c070", "9kbf7d35c071"],
                                                                  "P1": ["8kbf7d35c070"]}}
    page = parse_config(data).statuspage
    assert page.component_statuses("P0") == {"8kbf7d35c070": "major_outage", "9kbf7d35c071": "major_outage"}
    assert page.component_statuses("P1", resolved=True) == {"8kbf7d35c070": "operational"}
    assert page.component_statuses("P2") == {}
    data["statuspage"] = {"page_id": "https://x", "components": {"P5": ["a"], "P1": ["not an id"]}, "key": "k"}
    assert problems(data) == [
        "statuspage.page_id: 'https://x' is not a Statuspage page id (the letters and digits after /pages/ in the "
        "page's URL on manage.statuspage.io, like kctbh9vrtdwd)",
        "statuspage.components.P5: unknown priority 'P5' (priorities: P0, P1, P2, P3)",
        "statuspage.components.P1[0]: 'not an id' is not a Statuspage component id (letters and digits, like "
        "8kbf7d35c070)",
        "statuspage.key: unknown key",
    ]
    data["statuspage"] = {"components": {}}
    assert problems(data) == ["statuspage.page_id: missing"]


def test_the_example_app_yaml_commented_21_keys_are_valid_once_uncommented():
    """Every #21 key the example app.yaml shows commented out parses as shown."""
    keys = ("private_categories:", "archive_after:", "executives:", "priorities:", "after:", "notify:",
            "handoff_channel:", "usergroup:", "statuspage:", "page_id:", "components:", "P0: [", "P1: [")
    lines = []
    for line in (REPO_ROOT / "app.yaml").read_text().splitlines():
        body = line.lstrip()
        if body.startswith("# ") and body[2:].lstrip().startswith(keys) and not body[2:].startswith(" #"):
            indent = len(line) - len(body)
            line = " " * indent + body[2:]
        lines.append(line)
    config = parse_config(yaml.safe_load("\n".join(lines)))
    assert config.incidents.private_categories == ["Account compromise", "Fraud suspicion"]
    assert config.incidents.executives is not None and config.incidents.archive_after is not None
    assert config.oncall.usergroup and config.oncall.handoff_channel
    assert config.statuspage is not None and config.statuspage.component_ids("P0")
