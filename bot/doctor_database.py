"""``supportbot doctor``'s database checks: reachable, and at the latest migration.

A SQLite file that does not exist yet is reported as such and not created (opening it
would create an empty one).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.database import current_revision, head_revision, make_engine, ping
from bot.doctor_checks import CheckResult, failed, passed

__all__ = ["check_database"]

UPGRADE_FIX = "run `supportbot db upgrade` (`supportbot serve` also migrates when it starts)"


async def check_database(url: str) -> list[CheckResult]:
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).exists():
        return [failed(f"database {shown}: the file does not exist", UPGRADE_FIX + ", or check DATABASE_URL")]
    engine = make_engine(url)
    try:
        if not await ping(engine, timeout=5.0):
            return [failed(f"database {shown} unreachable",
                           "check DATABASE_URL (host, port, name, user, password) and that the server is up")]
        current = await current_revision(engine)
    finally:
        await engine.dispose()
    head = head_revision()
    if current == head:
        return [passed(f"database {shown} reachable, at the latest migration ({head})")]
    if current is None:
        return [failed(f"database {shown} reachable but never migrated (no tables)", UPGRADE_FIX)]
    return [failed(f"database {shown} at migration {current}, the latest is {head}", UPGRADE_FIX)]
