"""Spare time: best-effort work runs when the bot is not answering Slack
(``workflows.ports.SpareTime``).

Slack gives every request 3 seconds (and a modal's trigger_id 3 seconds); some work a
request starts is only a nicety that can come a little later, like the knowledge-base
articles added to an already open new-ticket form. Such work is offered here instead of
being done in the request's listener:

    deps.spare_time.offer("kb_suggestions", lambda: add_articles(view_id, ...), patience=5.0)

A job starts when no Slack request is in flight in this process (the HTTP server counts
them: :meth:`SpareTime.request`), oldest first, at most ``workers`` at once, so waiting
work never starves the database pool or the event loop. A job not started within its
patience, or offered while ``capacity`` jobs already wait, is skipped (``on_skip`` is
told, for ``/metrics``): under a sustained flood of requests the acks come first.

The listener does not wait for its job: a parked listener keeps its whole request
alive, and a few thousand of them made every full garbage collection walk them (stalls
of 100-300 ms, benchmarks/ section 1). A queued job is a small closure. A process with
no HTTP server (Socket Mode, tests) never counts a request, so jobs start at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

__all__ = ["Job", "SpareTime"]

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class _Offer:
    work: str
    job: Job
    deadline: float


class SpareTime:
    def __init__(self, *, workers: int = 2, capacity: int = 500,
                 on_skip: Callable[[str], None] | None = None) -> None:
        self._in_flight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._waiting: deque[_Offer] = deque()
        self._offered = asyncio.Event()
        self._workers: set[asyncio.Task[None]] = set()
        self._worker_count = workers
        self._capacity = capacity
        self._on_skip = on_skip
        self._running = 0
        self.skipped = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def waiting(self) -> int:
        return len(self._waiting)

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

    def offer(self, work: str, job: Job, *, patience: float) -> bool:
        """Run ``job`` in spare time, started within ``patience`` seconds or not at all;
        False (and counted as skipped) when too much work waits already."""
        loop = asyncio.get_running_loop()
        if len(self._waiting) >= self._capacity:
            self._skip(work)
            return False
        self._waiting.append(_Offer(work, job, loop.time() + patience))
        self._offered.set()
        while len(self._workers) < self._worker_count:
            task = loop.create_task(self._work())
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        return True

    async def idle(self) -> None:
        """Until nothing waits and no job runs (tests, benchmarks)."""
        while self._waiting or self._running:
            await asyncio.sleep(0.01)

    async def close(self, grace: float = 5.0) -> None:
        """Drop what still waits (best effort), let the jobs already running finish
        within ``grace`` seconds (a job cut off in the middle of a database write would
        leave it to a driver thread after the engine is gone), then stop the workers."""
        self._waiting.clear()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._running and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for task in list(self._workers):
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._waiting:
                self._offered.clear()
                await self._offered.wait()
            offer = self._waiting.popleft()
            self._running += 1
            try:
                if await self._quiet_by(offer.deadline, loop):
                    await offer.job()
                else:
                    self._skip(offer.work)
            except Exception:
                log.exception("spare-time work %s failed", offer.work)
            finally:
                self._running -= 1

    async def _quiet_by(self, deadline: float, loop: asyncio.AbstractEventLoop) -> bool:
        while not self._quiet.is_set():
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), left)
        return loop.time() <= deadline

    def _skip(self, work: str) -> None:
        self.skipped += 1
        if self._on_skip is not None:
            self._on_skip(work)
