"""The injected clock: one ``clock()`` call at the edge of each request and job.

Domain code never calls ``datetime.now()``; it receives ``now`` or a ``Clock``.
Tests use ``tests.fakes.clock.FakeClock`` and move time with ``advance``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


def system_clock() -> datetime:
    return datetime.now(UTC)
