"""Waiting in tests, never for a fixed time: ``until`` a condition holds, ``drain`` a
running bot's background work (Bolt's listeners after their ack, what they spawn), or
``healthz`` until a started ``supportbot serve`` process answers. Each fails saying what
did not happen when its time is up."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp

__all__ = ["drain", "healthz", "until"]

T = TypeVar("T")
POLL_EVERY = 0.01


async def until(check: Callable[[], T | Awaitable[T]], timeout: float = 5.0, *,
                what: str | Callable[[], str] | None = None, every: float = POLL_EVERY) -> T:
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
        await asyncio.sleep(every)


async def drain(bot: Any, timeout: float = 10.0) -> None:
    """Until the running bot (a ``RunningBot`` or a ``Runtime``) has no background work
    left: every listener Bolt started has finished, and what they started. A check that
    nothing was sent comes after this, not after a pause."""
    runtime = getattr(bot, "runtime", bot)
    left = await runtime.drain(timeout)
    if left:
        names = ", ".join(sorted(_task_name(task) for task in left))
        raise AssertionError(f"background work still running after {timeout}s: {names}")


async def healthz(base_url: str, timeout: float = 30.0, *, process: asyncio.subprocess.Process | None = None,
                  output: Callable[[], str] | None = None) -> dict[str, Any]:
    """Until ``GET {base_url}/healthz`` answers 200 (a process starting up: migrating,
    binding its port); its JSON body. Fails at once if ``process`` has ended, with
    ``output()`` (what it printed) in the message."""
    def printed() -> str:
        return f":\n{output()}" if output is not None else ""

    async with aiohttp.ClientSession() as http:
        async def answered() -> dict[str, Any] | None:
            if process is not None and process.returncode is not None:
                raise AssertionError(f"the process ended (exit {process.returncode}) before {base_url}/healthz "
                                     f"answered 200{printed()}")
            try:
                async with http.get(f"{base_url}/healthz") as resp:
                    return await resp.json() if resp.status == 200 else None
            except aiohttp.ClientConnectionError:
                return None
        return await until(answered, timeout, every=0.1, what=lambda: f"{base_url}/healthz answering 200{printed()}")


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
