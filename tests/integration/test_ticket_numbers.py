"""Ticket numbers are gap-free per workspace and distinct under concurrency."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.ticket_steps import REPORTER, open_modal


async def test_tickets_submitted_concurrently_get_distinct_gap_free_numbers(bot):
    views = [await open_modal(bot, f"Concurrent {i}") for i in range(6)]
    payloads = [
        view_submission_payload(v, view_state(v, {"Category": "Login problems", "Priority": "P2"}), user_id=REPORTER)
        for v in views
    ]
    replies = await asyncio.gather(*(bot.sender.interactive(p) for p in payloads))
    assert all(r.status == 200 for r in replies)
    await bot.slack.wait_for("chat.postMessage", count=6, timeout=15)
    async with bot.runtime.sessions() as db:
        numbers = sorted((await db.execute(select(Ticket.number))).scalars())
    assert numbers == [1, 2, 3, 4, 5, 6]


async def test_numbers_are_counted_per_workspace(bot):
    view = await open_modal(bot, "Team A")
    state = view_state(view, {"Category": "Login problems", "Priority": "P2"})
    payload = view_submission_payload(view, state, user_id=REPORTER)
    await bot.sender.interactive(payload)
    other = view_submission_payload(await open_modal(bot, "Team B"), state, user_id=REPORTER)
    other["team"] = {"id": "T0OTHER", "domain": "other"}
    other["user"]["team_id"] = "T0OTHER"
    await bot.sender.interactive(other)
    await bot.slack.wait_for("chat.postMessage", count=2)
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(Ticket.team_id, Ticket.number).order_by(Ticket.team_id))).all()
    assert sorted(rows) == [("T0OTHER", 1), ("T0TEST", 1)]
