"""The startup line (bot/startup_line.py): what serves, where, on which database (no
password), under which policy, with which timers."""

from __future__ import annotations

from bot.startup_line import safe_database_url, startup_line


def test_the_database_url_loses_its_password():
    assert safe_database_url("postgresql+asyncpg://bot:s3cret-pw@db.internal:5432/support") == (
        "postgresql+asyncpg://bot:***@db.internal:5432/support")
    assert safe_database_url("sqlite+aiosqlite:///./supportbot.db") == "sqlite+aiosqlite:///./supportbot.db"


def test_the_line_names_mode_database_policy_and_timers(config):
    line = startup_line(database_url="postgresql+asyncpg://bot:pw-123456@db/x", config=config,
                        config_path="/etc/supportbot/app.yaml", socket_mode=True, address="0.0.0.0:3000",
                        timers=["deadline-sweep", "outbox-relay"])
    assert line.startswith("supportbot ") and " serving Socket Mode on 0.0.0.0:3000; " in line
    assert "database postgresql+asyncpg://bot:***@db/x;" in line and "pw-123456" not in line
    assert "policy /etc/supportbot/app.yaml: priorities P0, P1, P2, P3, 4 tiers, 11 categories;" in line
    assert line.endswith("2 timers armed (deadline-sweep, outbox-relay)")
