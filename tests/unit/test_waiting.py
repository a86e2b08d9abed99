"""The tests' own waiting helpers (tests/waiting.py): they return as soon as they can and
fail saying what did not happen."""

from __future__ import annotations

import asyncio

import pytest

from tests.waiting import drain, until


async def test_until_returns_the_first_truthy_answer_of_a_plain_or_async_check():
    answers = iter([None, [], ["card"]])
    assert await until(lambda: next(answers)) == ["card"]

    calls = 0

    async def third_time() -> int:
        nonlocal calls
        calls += 1
        return calls if calls >= 3 else 0
    assert await until(third_time) == 3


async def test_until_fails_naming_what_did_not_happen():
    with pytest.raises(AssertionError, match=r"^the card did not happen within 0.05s$"):
        await until(lambda: False, 0.05, what="the card")
    polls = []

    def never() -> bool:
        polls.append(1)
        return False
    with pytest.raises(AssertionError) as failed:  # a callable ``what`` says the state at the timeout
        await until(never, 0.05, what=lambda: f"the card (after {len(polls)} polls)")
    assert str(failed.value) == f"the card (after {len(polls)} polls) did not happen within 0.05s" and len(polls) > 1
    with pytest.raises(AssertionError, match=r"lambda: 1 == 2"):  # unnamed: its source
        await until(lambda: 1 == 2, 0.05)

    async def card_posted() -> bool:
        return False
    with pytest.raises(AssertionError, match=r"^card_posted did not happen"):
        await until(card_posted, 0.05)


class _Runtime:
    """Runtime.drain's contract: wait up to ``timeout``, return what still runs."""

    def __init__(self, *tasks: asyncio.Task) -> None:
        self.tasks = set(tasks)

    async def drain(self, timeout: float) -> set[asyncio.Task]:
        await asyncio.wait(self.tasks, timeout=timeout)
        return {t for t in self.tasks if not t.done()}


async def test_drain_waits_for_the_work_and_fails_naming_what_still_runs():
    async def post_card() -> None:
        await asyncio.sleep(0.01)

    async def stuck_listener() -> None:
        await asyncio.Event().wait()

    done = asyncio.create_task(post_card())
    await drain(_Runtime(done))
    assert done.done()

    stuck = asyncio.create_task(stuck_listener())
    try:
        with pytest.raises(AssertionError, match=r"still running after 0.05s: .*stuck_listener"):
            await drain(_Runtime(stuck), 0.05)
    finally:
        stuck.cancel()
