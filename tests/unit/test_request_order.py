"""Each person's requests in turn (``bot/request_order.py``): a request waits for the
same person's earlier ones, never for anyone else's, and never longer than its bound."""

from __future__ import annotations

import asyncio

from bot.request_order import RequestOrder, wait_for_turn


async def _request(order: RequestOrder, user: str, log: list[str], name: str, *, hold: asyncio.Event | None = None,
                   acked: bool = True) -> None:
    order.take_turn(team_id="T1", user_id=user, acked=lambda: acked, task=asyncio.current_task())
    await wait_for_turn()
    log.append(f"{name} reads")
    if hold is not None:
        await hold.wait()
    log.append(f"{name} done")


async def _until_waiting(order: RequestOrder, count: int = 1) -> None:
    async with asyncio.timeout(2):
        while order.waiting < count:
            await asyncio.sleep(0)


async def test_a_request_waits_for_the_same_persons_earlier_one():
    order, log, hold = RequestOrder(), [], asyncio.Event()
    first = asyncio.create_task(_request(order, "U1", log, "first", hold=hold))
    await asyncio.sleep(0)
    second = asyncio.create_task(_request(order, "U1", log, "second"))
    await _until_waiting(order)
    assert log == ["first reads"]
    hold.set()
    await asyncio.gather(first, second)
    assert log == ["first reads", "first done", "second reads", "second done"]


async def test_another_persons_request_does_not_wait():
    order, log, hold = RequestOrder(), [], asyncio.Event()
    first = asyncio.create_task(_request(order, "U1", log, "first", hold=hold))
    await asyncio.sleep(0)
    await asyncio.wait_for(_request(order, "U2", log, "other"), timeout=1)
    assert log == ["first reads", "other reads", "other done"]
    hold.set()
    await first


async def test_the_wait_is_bounded_shorter_before_the_acknowledgement():
    order, log, hold = RequestOrder(wait_before_ack=0.05, wait_after_ack=10), [], asyncio.Event()
    first = asyncio.create_task(_request(order, "U1", log, "first", hold=hold))
    await asyncio.sleep(0)
    await asyncio.wait_for(_request(order, "U1", log, "unacked", acked=False), timeout=1)
    assert log == ["first reads", "unacked reads", "unacked done"]
    hold.set()
    await first


async def test_outside_a_request_nothing_waits():
    order, hold = RequestOrder(), asyncio.Event()
    first = asyncio.create_task(_request(order, "U1", [], "first", hold=hold))
    await asyncio.sleep(0)
    await asyncio.wait_for(wait_for_turn(), timeout=1)  # a timer's session: no turn, no wait
    hold.set()
    await first


async def test_ids_of_a_shape_slack_never_sends_take_no_turn():
    """A forged event's ``user`` or ``team`` can be an object or a list: no turn, no crash."""
    order = RequestOrder()
    for team, user in (("T1", {"id": "U1"}), ("T1", ["U1"]), ({"id": "T1"}, "U1"), (None, "")):
        order.take_turn(team_id=team, user_id=user, acked=lambda: True, task=asyncio.current_task())
    await asyncio.wait_for(wait_for_turn(), timeout=1)
