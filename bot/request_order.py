"""Each person's requests take effect in the order Slack sent them.

Bolt answers Slack at ``ack()`` and runs the rest of a listener in a task of its own
(docs/architecture.md), so the change a request makes commits a little after Slack, and the
person, saw it accepted: the Resolve form closes, and the ticket is resolved some
milliseconds later. A request arriving in between read the database as it was before:
``/ticket stats`` typed right after the Resolve form closed answered "0 resolved". On
SQLite, where each statement is a round trip to the connection's thread and every writer
queues for the one write lock, that window is tens of milliseconds and, behind other
writers, seconds; on Postgres it is shorter, but it is there too.

So every listener takes a turn in its person's queue (workspace and user) when it starts
(``bot/app.py``) and leaves it when it ends. The first time it opens a database session
(``bot.database.OrderedSession``) it waits until that person's earlier requests have
finished: at most :data:`WAIT_BEFORE_ACK` while Slack still waits for its answer
(Slack's limit is 3 s), at most :data:`WAIT_AFTER_ACK` after it; then it goes ahead and
says so in the log. Requests of different people never wait for each other, and timers
and sweeps have no turn: they never wait.

    order = RequestOrder()
    order.take_turn(team_id="T1", user_id="U1", acked=lambda: ack.response is not None, task=task)
    ...
    await wait_for_turn()          # in the listener's task: returns once U1's earlier requests are done
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WAIT_AFTER_ACK", "WAIT_BEFORE_ACK", "RequestOrder", "wait_for_turn"]

log = logging.getLogger(__name__)

#: Longest wait for the person's earlier requests before this one's acknowledgement.
WAIT_BEFORE_ACK = 1.0
#: Longest wait after it (a request stuck longer than this is not waited for).
WAIT_AFTER_ACK = 5.0


@dataclass(eq=False)
class _Turn:
    order: RequestOrder
    key: tuple[str, str]
    acked: Callable[[], bool]
    earlier: tuple[_Turn, ...]
    done: asyncio.Event = field(default_factory=asyncio.Event)
    caught_up: bool = False


#: The turn of the listener running in this task (copied into the tasks it starts).
_current: ContextVar[_Turn | None] = ContextVar("supportbot_request_turn", default=None)


class RequestOrder:
    """The requests still at work, per person, in the order they arrived."""

    def __init__(self, *, wait_before_ack: float = WAIT_BEFORE_ACK, wait_after_ack: float = WAIT_AFTER_ACK) -> None:
        self.wait_before_ack = wait_before_ack
        self.wait_after_ack = wait_after_ack
        self._queues: dict[tuple[str, str], list[_Turn]] = {}
        self.waiting = 0  # listeners waiting for their turn right now

    def take_turn(self, *, team_id: str | None, user_id: str | None, acked: Callable[[], bool],
                  task: asyncio.Task[Any]) -> None:
        """Queue the listener running in ``task`` (the current task) behind the person's
        earlier requests; it leaves the queue when the task ends. No user (or ids of a
        shape Slack never sends, in a forged body): no turn."""
        if not isinstance(user_id, str) or not user_id:
            return
        key = (team_id if isinstance(team_id, str) else "", user_id)
        queue = self._queues.setdefault(key, [])
        turn = _Turn(order=self, key=key, acked=acked, earlier=tuple(queue))
        queue.append(turn)
        _current.set(turn)
        task.add_done_callback(lambda _task: self._leave(turn))

    def _leave(self, turn: _Turn) -> None:
        turn.done.set()
        queue = self._queues.get(turn.key, [])
        if turn in queue:
            queue.remove(turn)
        if not queue:
            self._queues.pop(turn.key, None)


async def wait_for_turn() -> None:
    """In a listener's task: wait until its person's earlier requests have finished
    (bounded, see the module docstring). Once per request; elsewhere it returns at once."""
    turn = _current.get()
    if turn is None or turn.caught_up:
        return
    turn.caught_up = True  # a second session of this request (even nested in the first) never waits
    pending = [earlier for earlier in turn.earlier if not earlier.done.is_set()]
    if not pending:
        return
    order = turn.order
    timeout = order.wait_after_ack if turn.acked() else order.wait_before_ack
    waits = [asyncio.ensure_future(earlier.done.wait()) for earlier in pending]
    order.waiting += 1
    try:
        _, still = await asyncio.wait(waits, timeout=timeout)
    finally:
        order.waiting -= 1
        for wait in waits:
            wait.cancel()
    if still:
        log.warning("a request of %s went ahead after %.1f s while %d earlier one(s) of theirs were still at work",
                    turn.key[1], timeout, len(still))
