"""`/ticket stats` through the running app: an ephemeral summary, and clear errors."""

from __future__ import annotations

from datetime import timedelta

from tests.ticket_steps import REPORTER, create_ticket


async def stats(bot, text: str, name: str) -> dict:
    url = bot.slack.response_url(name)
    reply = await bot.sender.slash("/ticket", text, user_id=REPORTER, response_url=url)
    assert reply.status == 200
    return (await bot.slack.wait_for_response(name))[-1]


async def test_stats_answers_ephemerally_with_the_volume(bot):
    await create_ticket(bot, "one")
    await create_ticket(bot, "two", priority="P2")
    bot.clock.advance(timedelta(minutes=5))
    answer = await stats(bot, "stats 7d", "s")
    assert answer["response_type"] == "ephemeral"
    assert "2 opened, 0 resolved, 2 open" in answer["text"]
    assert answer["blocks"]


async def test_stats_with_an_unknown_scope_says_what_it_accepts(bot):
    answer = await stats(bot, "stats nowhere", "bad")
    assert answer["text"].startswith(":warning:")
    assert "nowhere" in answer["text"]
