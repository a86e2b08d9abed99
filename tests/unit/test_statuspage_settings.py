"""STATUSPAGE_API_KEY and STATUSPAGE_API_URL (README, "Environment"), and the war room's
words about the status page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.settings import DEFAULT_STATUSPAGE_API_URL, SettingError, load_settings
from models.incidents import Incident
from workflows.incidents.messages.statuspage import statuspage_failing_text, statuspage_refused_text

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_statuspage_settings_default_and_accept_http():
    settings = load_settings(BASE)
    assert settings.statuspage_api_key is None and settings.statuspage_api_url == DEFAULT_STATUSPAGE_API_URL
    settings = load_settings({**BASE, "STATUSPAGE_API_KEY": " k1 ", "STATUSPAGE_API_URL": "http://127.0.0.1:8080/"})
    assert settings.statuspage_api_key == "k1" and settings.statuspage_api_url == "http://127.0.0.1:8080"


def test_a_statuspage_url_that_is_not_http_is_refused_in_one_line():
    with pytest.raises(SettingError) as error:
        load_settings({**BASE, "STATUSPAGE_API_URL": "api.statuspage.io"})
    assert "STATUSPAGE_API_URL must be an https:// URL" in str(error.value)


def test_statuspage_errors_are_escaped_in_the_war_room():
    incident = Incident(id=4, title="t", priority="P1", commander_id="U1", team_id="T", declared_by="U1",
                        declared_at=datetime(2026, 11, 25, tzinfo=UTC))
    failing = statuspage_failing_text(incident, kind="update", error="503 <html>&", retry_at=datetime.now(UTC))
    assert "503 &lt;html&gt;&amp;" in failing and "customer update of incident #4" in failing
    refused = statuspage_refused_text(incident, kind="resolve", error="422 bad")
    assert "refused the resolution of incident #4" in refused and "by hand" in refused
