"""Best-effort work waits for a moment when no Slack request is being answered."""

from __future__ import annotations

import asyncio

from bot.spare_time import SpareTime


async def test_a_turn_is_given_at_once_when_nothing_is_answered():
    spare = SpareTime()
    async with spare.turn("w", patience=0.0) as mine:
        assert mine
    assert spare.skipped == 0


async def test_a_turn_waits_for_the_requests_in_flight_to_end():
    spare = SpareTime()
    got: list[bool] = []

    async def work() -> None:
        async with spare.turn("w", patience=5.0) as mine:
            got.append(mine)

    with spare.request(), spare.request():
        task = asyncio.create_task(work())
        await asyncio.sleep(0.05)
        assert got == [] and spare.in_flight == 2
    await asyncio.wait_for(task, 1.0)
    assert got == [True] and spare.in_flight == 0


async def test_work_that_gets_no_turn_within_its_patience_is_skipped_and_counted():
    skipped: list[str] = []
    spare = SpareTime(on_skip=skipped.append)
    with spare.request():
        async with spare.turn("kb_suggestions", patience=0.05) as mine:
            assert not mine
    assert spare.skipped == 1 and skipped == ["kb_suggestions"]


async def test_at_most_slots_turns_run_at_once():
    spare = SpareTime(slots=2)
    running, most = 0, 0

    async def work() -> bool:
        nonlocal running, most
        async with spare.turn("w", patience=5.0) as mine:
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.02)
            running -= 1
            return mine

    assert await asyncio.gather(*(work() for _ in range(6))) == [True] * 6
    assert most == 2


async def test_a_failing_request_still_ends():
    spare = SpareTime()
    try:
        with spare.request():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert spare.in_flight == 0
    async with spare.turn("w", patience=0.0) as mine:
        assert mine
