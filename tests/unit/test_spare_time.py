"""Best-effort work runs when no Slack request is being answered.

Spare time works on the wall clock (a job's patience is in seconds), so the pauses left
here are what is tested: work held over a real stretch of time, patience running out."""

from __future__ import annotations

import asyncio

from bot.spare_time import SpareTime
from tests.waiting import until


def recorder(done: list[str], name: str, pause: float = 0.0):
    async def job() -> None:
        await asyncio.sleep(pause)
        done.append(name)
    return job


async def test_work_starts_at_once_when_nothing_is_answered():
    spare, done = SpareTime(), []
    assert spare.offer("w", recorder(done, "a"), patience=1.0)
    await asyncio.wait_for(spare.idle(), 1.0)
    assert done == ["a"] and spare.skipped == 0
    await spare.close()


async def test_work_waits_for_the_requests_in_flight_to_end_and_runs_oldest_first():
    spare, done = SpareTime(workers=1), []
    with spare.request(), spare.request():
        spare.offer("w", recorder(done, "a"), patience=5.0)
        spare.offer("w", recorder(done, "b"), patience=5.0)
        await until(lambda: spare.waiting == 1, 1.0, what="the worker taking the first job")
        await asyncio.sleep(0.05)  # wall clock: it stays held while the requests are answered
        assert done == [] and spare.in_flight == 2 and spare.waiting == 1
    await asyncio.wait_for(spare.idle(), 1.0)
    assert done == ["a", "b"] and spare.in_flight == 0
    await spare.close()


async def test_work_not_started_within_its_patience_is_skipped_and_counted():
    skipped: list[str] = []
    spare, done = SpareTime(on_skip=skipped.append), []
    with spare.request():
        spare.offer("kb_suggestions", recorder(done, "a"), patience=0.05)
        await until(lambda: spare.skipped, 1.0, what="the skip after 0.05 s of patience")
    await asyncio.wait_for(spare.idle(), 1.0)
    assert done == [] and spare.skipped == 1 and skipped == ["kb_suggestions"]
    await spare.close()


async def test_work_offered_while_too_much_waits_is_skipped_at_once():
    spare, done = SpareTime(workers=1, capacity=2), []
    with spare.request():
        assert spare.offer("w", recorder(done, "0"), patience=5.0)
        await until(lambda: spare.waiting == 0, 1.0, what="the worker holding it, waiting for quiet")
        assert [spare.offer("w", recorder(done, str(i)), patience=5.0) for i in (1, 2, 3)] == [True, True, False]
        assert spare.skipped == 1 and spare.waiting == 2
    await asyncio.wait_for(spare.idle(), 1.0)
    assert done == ["0", "1", "2"]
    await spare.close()


async def test_at_most_workers_jobs_run_at_once_and_a_failing_job_does_not_stop_them():
    spare = SpareTime(workers=2)
    running, most, done = 0, 0, []

    async def job() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        done.append(1)

    async def failing() -> None:
        raise RuntimeError("boom")

    spare.offer("w", failing, patience=5.0)
    for _ in range(6):
        spare.offer("w", job, patience=5.0)
    await asyncio.wait_for(spare.idle(), 2.0)
    assert len(done) == 6 and most == 2
    await spare.close()


async def test_a_failing_request_still_ends():
    spare, done = SpareTime(), []
    try:
        with spare.request():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert spare.in_flight == 0
    spare.offer("w", recorder(done, "a"), patience=0.5)
    await asyncio.wait_for(spare.idle(), 1.0)
    assert done == ["a"]
    await spare.close()


async def test_closing_lets_the_running_job_finish_and_drops_what_waits():
    spare, done = SpareTime(workers=1), []
    spare.offer("w", recorder(done, "running", pause=0.1), patience=5.0)
    spare.offer("w", recorder(done, "waiting"), patience=5.0)
    await until(lambda: spare.waiting == 1, 1.0, what="the first job started")
    await spare.close()
    assert done == ["running"] and spare.waiting == 0


async def test_closing_stops_a_job_that_outlasts_the_grace():
    spare, done = SpareTime(), []
    spare.offer("w", recorder(done, "slow", pause=5.0), patience=5.0)
    await until(lambda: spare.waiting == 0, 1.0, what="the slow job started")
    await asyncio.wait_for(spare.close(grace=0.05), 1.0)
    assert done == []
