"""The one line ``serve`` logs once it listens: what runs, where, on what, with which policy.

    supportbot 0.1.0 serving HTTP (POST /slack/events) on 0.0.0.0:3000; database
    postgresql+asyncpg://bot:***@db/supportbot; policy ./app.yaml: priorities P0, P1, P2, P3,
    4 tiers, 4 categories; 8 timers armed (deadline-sweep, outbox-relay, …)

The database URL never carries its password (``***``).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy.engine import make_url

from workflows.policy.schema import AppConfig

__all__ = ["package_version", "safe_database_url", "startup_line"]


def package_version() -> str:
    """The installed supportbot's version (``unknown`` when run from a bare checkout)."""
    try:
        return version("supportbot")
    except PackageNotFoundError:
        return "unknown"


def safe_database_url(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is refused before serve gets here
        return "(unparsable database URL)"


def startup_line(*, database_url: str, config: AppConfig, config_path: str, socket_mode: bool,
                 address: str, timers: Sequence[str]) -> str:
    mode = "Socket Mode" if socket_mode else "HTTP (POST /slack/events)"
    policy = (f"policy {config_path}: priorities {', '.join(config.priorities)}, {len(config.tiers)} tiers, "
              f"{len(config.categories)} categories")
    armed = f"{len(timers)} timers armed ({', '.join(timers)})" if timers else "no timers armed"
    return (f"supportbot {package_version()} serving {mode} on {address}; database "
            f"{safe_database_url(database_url)}; {policy}; {armed}")
