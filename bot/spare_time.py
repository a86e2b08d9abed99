"""Spare time: best-effort work waits until the bot is not answering Slack.

Slack gives every request 3 seconds (and a modal's trigger_id 3 seconds); some work a
request starts is only a nicety that can come a little later, like the knowledge-base
articles added to an already open new-ticket form. Such work asks for spare time:

    async with deps.spare_time.turn("kb_suggestions", patience=5.0) as mine:
        if mine:
            ...  # nothing from Slack is being answered right now

A turn is given when no Slack request is in flight in this process (the HTTP server
counts them: :meth:`SpareTime.request`), and at most ``slots`` turns run at once, so a
burst of waiting work never starves the database pool or the event loop. Work that
gets no turn within its patience is skipped (``on_skip`` is told, for ``/metrics``): under a sustained
flood of requests the acks come first. A process with no HTTP server (Socket Mode,
tests) never counts a request, so every turn is given at once (within ``slots``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator

__all__ = ["SpareTime"]


class SpareTime:
    def __init__(self, *, slots: int = 2, on_skip: Callable[[str], None] | None = None) -> None:
        self._in_flight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._slots = asyncio.Semaphore(slots)
        self._on_skip = on_skip
        self.skipped = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Around the answer to one Slack request."""
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._quiet.set()

    @contextlib.asynccontextmanager
    async def turn(self, work: str, *, patience: float) -> AsyncIterator[bool]:
        """Yields True once no request is in flight and a slot is free (the slot is held
        until the block ends); False if that did not happen within ``patience`` seconds
        (the ``work`` is then counted as skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        try:
            if self._slots.locked():
                await asyncio.wait_for(self._slots.acquire(), max(0.0, deadline - loop.time()))
            else:
                await self._slots.acquire()  # free: at once, whatever the patience
        except TimeoutError:
            self._skip(work)
            yield False
            return
        try:
            while not self._quiet.is_set():
                try:
                    await asyncio.wait_for(self._quiet.wait(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    self._skip(work)
                    yield False
                    return
            yield True
        finally:
            self._slots.release()

    def _skip(self, work: str) -> None:
        self.skipped += 1
        if self._on_skip is not None:
            self._on_skip(work)
