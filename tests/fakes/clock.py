"""A clock that tests move by hand: time passes only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Wednesday 2026-11-25 10:00 in New York: inside the example policy's business hours.
DEFAULT_START = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return self.now
