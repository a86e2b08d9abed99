"""Waiting in tests, never for a fixed time: ``until`` a condition holds, or ``drain`` a
running bot's background work (Bolt's listeners after their ack, what they spawn). Both
fail with what did not happen when their time is up."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["drain", "until"]

T = TypeVar("T")
POLL_EVERY = 0.01


async def until(check: Callable[[], T | Awaitable[T]], timeout: float = 5.0, *,
                what: str | Callable[[], str] | None = None) -> T:
    """Poll ``check`` (a function, or a coroutine function) until it returns something
    truthy, and return that; after ``timeout`` seconds an AssertionError says ``what`` did
    not happen (a callable ``what`` is asked then, to show the state at that moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"{said or _describe(check)} did not happen within {timeout}s")
        await asyncio.sleep(POLL_EVERY)


async def drain(bot: Any, timeout: float = 10.0) -> None:
    """Until the running bot (a ``RunningBot`` or a ``Runtime``) has no background work
    left: every listener Bolt started has finished, and what they started. A check that
    nothing was sent comes after this, not after a pause."""
    runtime = getattr(bot, "runtime", bot)
    left = await runtime.drain(timeout)
    if left:
        names = ", ".join(sorted(_task_name(task) for task in left))
        raise AssertionError(f"background work still running after {timeout}s: {names}")


def _describe(check: Callable[..., object]) -> str:
    if getattr(check, "__name__", "<lambda>") != "<lambda>":
        return check.__name__
    try:
        return " ".join(inspect.getsource(check).split())
    except (OSError, TypeError):
        return "the condition"


def _task_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()
