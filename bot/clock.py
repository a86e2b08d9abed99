"""The real clock (``workflows.ports.Clock``): now, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def system_clock() -> datetime:
    return datetime.now(UTC)
