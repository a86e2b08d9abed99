"""Settings from the environment, the manifest, and the malformed-payload guard."""

from __future__ import annotations

import pytest

from bot.manifest import ManifestUrlError, build_manifest
from bot.payload_guard import malformed_reason
from bot.settings import DEFAULT_DATABASE_URL, MissingSettingError, load_settings


def test_settings_defaults_and_trailing_slash():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://x/api"})
    assert settings.slack_api_url == "http://x/api/"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.pagerduty_routing_key is None
    assert settings.config_path == "./app.yaml"


def test_config_flag_wins_over_environment():
    env = {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "SUPPORTBOT_CONFIG": "/etc/a.yaml"}
    assert load_settings(env).config_path == "/etc/a.yaml"
    assert load_settings(env, config_path="b.yaml").config_path == "b.yaml"


def test_blank_secrets_count_as_missing():
    with pytest.raises(MissingSettingError) as error:
        load_settings({"SLACK_BOT_TOKEN": "  ", "SLACK_SIGNING_SECRET": "s"})
    assert "SLACK_BOT_TOKEN" in str(error.value) and "SLACK_SIGNING_SECRET" not in str(error.value)


def test_manifest_requires_https():
    with pytest.raises(ManifestUrlError):
        build_manifest("http://example.com")
    manifest = build_manifest("https://example.com/")
    assert manifest["settings"]["interactivity"]["request_url"] == "https://example.com/slack/events"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "create_ticket_from_message"


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"type": "view_submission", "view": None}, "view_submission has no view object"),
        ({"type": "block_actions", "actions": []}, "block_actions without actions"),
        ({"type": "event_callback", "event": None}, "event_callback has no event object"),
        ({"type": "message_action", "message": "x"}, "message_action has no message object"),
        ({"payload": "{"}, "payload is not valid JSON"),
    ],
)
def test_malformed_payloads_are_named(body, reason):
    assert malformed_reason(body) == reason


def test_sound_payloads_pass():
    assert malformed_reason({"type": "block_actions", "actions": [{"action_id": "a"}], "user": {"id": "U1"},
                             "trigger_id": "1.2.3"}) is None
    assert malformed_reason({"command": "/ticket", "text": "", "user_id": "U1", "team_id": "T1", "trigger_id": "1.2.3",
                             "response_url": "https://hooks.slack.com/x"}) is None
    assert malformed_reason({"type": "url_verification", "challenge": "c"}) is None
