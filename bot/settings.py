"""Process settings read from the environment (README.md, "Environment").

Secrets and endpoints live in the environment; policy lives in app.yaml. Settings are
read once, at the edge (the CLI), and passed down: nothing else reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./supportbot.db"
DEFAULT_PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com"
DEFAULT_PAGERDUTY_API_URL = "https://api.pagerduty.com"
DEFAULT_STATUSPAGE_API_URL = "https://api.statuspage.io"
DEFAULT_CONFIG_PATH = "./app.yaml"

_WHERE_TO_GET = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) under OAuth & Permissions",
    "SLACK_SIGNING_SECRET": "the Signing Secret under Basic Information > App Credentials",
    "SLACK_APP_TOKEN": "an App-Level Token (xapp-…) with connections:write under Basic Information > App-Level Tokens",
}
#: An app-level token (Socket Mode) starts with this; a bot token with ``xoxb-``.
APP_TOKEN_PREFIX = "xapp-"


class SettingError(Exception):
    """An environment variable is missing or unusable; the message is one line saying what and how to fix it."""


class MissingSettingError(SettingError):
    """A required environment variable is not set; the message says what and where."""


class DatabaseUrlError(SettingError):
    """``DATABASE_URL`` is not a URL of a database supportbot speaks to."""


#: The drivers supportbot runs on; a URL without one (``postgres://``, ``postgresql://``,
#: ``sqlite://``, as hosting platforms hand them out) gets it.
_ASYNC_DRIVERS = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg",
                  "postgresql+asyncpg": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite",
                  "sqlite+aiosqlite": "sqlite+aiosqlite"}
_URL_HELP = "use postgresql://user:password@host:5432/dbname or sqlite:///path/to/supportbot.db"


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    pagerduty_routing_key: str | None = None
    pagerduty_events_url: str = DEFAULT_PAGERDUTY_EVENTS_URL
    pagerduty_api_token: str | None = None
    pagerduty_api_url: str = DEFAULT_PAGERDUTY_API_URL
    pagerduty_webhook_secret: str | None = None
    config_path: str = DEFAULT_CONFIG_PATH
    slack_app_token: str | None = None
    metrics_token: str | None = None  # GET /metrics then needs "Authorization: Bearer <it>"
    statuspage_api_key: str | None = None  # app.yaml's statuspage: Atlassian Statuspage's REST API v1
    statuspage_api_url: str = DEFAULT_STATUSPAGE_API_URL


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def database_url_from(environ: Mapping[str, str]) -> str:
    """``DATABASE_URL`` with the async driver named, or the default SQLite file; raises
    :class:`DatabaseUrlError` for a URL that is not one of PostgreSQL or SQLite."""
    return normalize_database_url(_get(environ, "DATABASE_URL") or DEFAULT_DATABASE_URL)


def normalize_database_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise DatabaseUrlError(f"supportbot: DATABASE_URL is not a database URL: {_URL_HELP}")
    driver = _ASYNC_DRIVERS.get(scheme.lower())
    if driver is None:
        raise DatabaseUrlError(f"supportbot: DATABASE_URL names {scheme!r}, which supportbot does not speak "
                               f"(PostgreSQL through asyncpg, or SQLite): {_URL_HELP}")
    normalized = f"{driver}://{rest}"
    from sqlalchemy.engine import make_url  # here: settings stay cheap to import

    try:
        make_url(normalized)
    except Exception:  # noqa: BLE001 - ArgumentError, ValueError (a bad port): said in one line
        raise DatabaseUrlError(f"supportbot: DATABASE_URL cannot be read as a {scheme} URL (check the port "
                               f"and escape special characters in the password as %XX): {_URL_HELP}") from None
    return normalized


def config_path_from(environ: Mapping[str, str], override: str | None = None) -> str:
    return override or _get(environ, "SUPPORTBOT_CONFIG") or DEFAULT_CONFIG_PATH


def load_settings(
    environ: Mapping[str, str], *, config_path: str | None = None, socket_mode: bool = False
) -> Settings:
    """Build Settings from an environment mapping; raise MissingSettingError for secrets.

    ``socket_mode``: ``SLACK_APP_TOKEN`` (an ``xapp-`` token) is required instead of the
    signing secret, which Socket Mode does not use (Slack signs nothing on the socket).
    """
    required = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"]
    missing = [name for name in required if not _get(environ, name)]
    if missing:
        parts = [f"{name} ({_WHERE_TO_GET[name]})" for name in missing]
        raise MissingSettingError(
            "supportbot: set " + " and ".join(parts) + " in the environment — "
            + ("both are" if len(missing) > 1 else "it is") + " on your Slack app's page at https://api.slack.com/apps"
        )
    app_token = _get(environ, "SLACK_APP_TOKEN")
    if socket_mode and app_token and not app_token.startswith(APP_TOKEN_PREFIX):
        raise MissingSettingError(
            f"supportbot: SLACK_APP_TOKEN must be an app-level token starting with {APP_TOKEN_PREFIX} (not a bot "
            f"or user token) — create one with connections:write under Basic Information > App-Level Tokens "
            f"on your Slack app's page at https://api.slack.com/apps"
        )
    statuspage_api_url = (_get(environ, "STATUSPAGE_API_URL") or DEFAULT_STATUSPAGE_API_URL).rstrip("/")
    if not statuspage_api_url.startswith(("https://", "http://")):
        raise SettingError("supportbot: STATUSPAGE_API_URL must be an https:// URL (http:// for a local relay or "
                           f"fake), not {statuspage_api_url[:80]!r}; unset it for {DEFAULT_STATUSPAGE_API_URL}")
    slack_api_url = _get(environ, "SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"
    return Settings(
        slack_bot_token=environ["SLACK_BOT_TOKEN"].strip(),
        slack_signing_secret=_get(environ, "SLACK_SIGNING_SECRET") or "",
        slack_api_url=slack_api_url,
        database_url=database_url_from(environ),
        pagerduty_routing_key=_get(environ, "PAGERDUTY_ROUTING_KEY"),
        pagerduty_events_url=(_get(environ, "PAGERDUTY_EVENTS_URL") or DEFAULT_PAGERDUTY_EVENTS_URL).rstrip("/"),
        pagerduty_api_token=_get(environ, "PAGERDUTY_API_TOKEN"),
        pagerduty_api_url=(_get(environ, "PAGERDUTY_API_URL") or DEFAULT_PAGERDUTY_API_URL).rstrip("/"),
        pagerduty_webhook_secret=_get(environ, "PAGERDUTY_WEBHOOK_SECRET"),
        config_path=config_path_from(environ, config_path),
        slack_app_token=app_token,
        metrics_token=_get(environ, "METRICS_TOKEN"),
        statuspage_api_key=_get(environ, "STATUSPAGE_API_KEY"),
        statuspage_api_url=statuspage_api_url,
    )
