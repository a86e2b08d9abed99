"""DATABASE_URL as hosting platforms hand it out gets the async driver; anything that is
not a PostgreSQL or SQLite URL is refused in one line (bot/settings.py)."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, DatabaseUrlError, SettingError, database_url_from


@pytest.mark.parametrize("given, used", [
    ("postgres://bot:pw@db:5432/support", "postgresql+asyncpg://bot:pw@db:5432/support"),
    ("postgresql://bot:pw@db/support?ssl=require", "postgresql+asyncpg://bot:pw@db/support?ssl=require"),
    ("postgresql+asyncpg://bot@db/support", "postgresql+asyncpg://bot@db/support"),
    ("sqlite:///./supportbot.db", "sqlite+aiosqlite:///./supportbot.db"),
    ("sqlite+aiosqlite:////var/lib/supportbot/bot.db", "sqlite+aiosqlite:////var/lib/supportbot/bot.db"),
    (" ", DEFAULT_DATABASE_URL),
])
def test_accepted_urls_name_the_async_driver(given, used):
    assert database_url_from({"DATABASE_URL": given}) == used


@pytest.mark.parametrize("given", ["mysql://a@b/c", "postgresql+psycopg2://a@b/c", "bot.db", "://x",
                                   "postgresql://a:b@h:port/d"])
def test_other_urls_are_refused_without_showing_the_password(given):
    with pytest.raises(DatabaseUrlError) as refused:
        database_url_from({"DATABASE_URL": given})
    assert isinstance(refused.value, SettingError)
    message = str(refused.value)
    assert message.startswith("supportbot: DATABASE_URL ") and "\n" not in message
    assert ":b@" not in message


def test_only_errors_of_the_database_are_described_as_such():
    from bot.startup_errors import describe_database_failure

    assert describe_database_failure(PermissionError(13, "Permission denied"), "postgresql+asyncpg://h/db") is None
    assert describe_database_failure(ValueError("a bug"), "sqlite+aiosqlite:///x.db") is None
