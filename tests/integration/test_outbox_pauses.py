"""The outbox on errors that are temporary for the workspace: a rotated token pauses
the whole relay and loses nothing; a channel the bot is not in pauses its lane until
the bot is invited; what is still refused after a day (or refused for good) is given up
on, counted on /metrics with its reason, logged with what it said, and listed by doctor."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.doctor_outbox import check_outbox
from models.outbox import OutboxStatus
from models.outbox_pause import relay_pause
from tests.integration.test_metrics_endpoint import scrape
from tests.outbox_steps import outbox, owe, texts
from workflows.outbox.enqueue import deliver_outbox

ROTATED = "xoxb-rotated-token"


async def _pause(bot):
    async with bot.runtime.sessions() as db:
        return await relay_pause(db)


async def test_a_token_rotation_loses_nothing_and_posts_each_message_once(bot, caplog):
    deps = bot.runtime.deps
    bot.slack.bot_token = ROTATED  # the token was rotated: Slack refuses the one the bot still has
    await owe(bot, ("C0TIER1", "msg a1"), ("C0TIER2", "msg b1"), ("C0TIER1", "msg a2"))
    with caplog.at_level(logging.WARNING, logger="workflows.outbox.relay"):
        assert await deliver_outbox(deps) == 0
    assert all(r.status == OutboxStatus.PENDING for r in await outbox(bot)), "nothing is given up on"
    assert "outbox paused: Slack refused the bot's token (invalid_auth)" in caplog.text
    pause = await _pause(bot)
    assert pause is not None and pause.reason == "invalid_auth" and pause.until == bot.clock() + timedelta(seconds=30)

    calls = len(bot.slack.calls)
    await owe(bot, ("C0TIER3", "msg c1"))
    bot.clock.advance(timedelta(seconds=20))
    await deliver_outbox(deps)
    assert len(bot.slack.calls) == calls, "while paused, the relay asks Slack nothing"

    bot.clock.advance(timedelta(seconds=15))  # the pause ran out: one message tries first, still refused
    await deliver_outbox(deps)
    assert len(bot.slack.calls) == calls + 1
    pause = await _pause(bot)
    assert pause is not None and pause.attempts == 2 and pause.until == bot.clock() + timedelta(minutes=1)

    bot.runtime.slack.token = ROTATED  # the new token is deployed
    bot.clock.advance(timedelta(minutes=1))
    assert await deliver_outbox(deps) == 4
    assert texts(bot, "C0TIER1") == ["msg a1", "msg a2"]
    assert texts(bot, "C0TIER2") == ["msg b1"] and texts(bot, "C0TIER3") == ["msg c1"]
    posted = [c.args["text"] for c in bot.slack.calls_to("chat.postMessage") if c.ok]
    assert sorted(posted) == ["msg a1", "msg a2", "msg b1", "msg c1"], "each message once"
    assert all(r.status == OutboxStatus.SENT for r in await outbox(bot))
    assert await _pause(bot) is None
    _, samples = await scrape(bot.url)
    assert samples["supportbot_outbox_paused_total"][(("reason", "invalid_auth"), ("scope", "relay"))] >= 2
    assert "supportbot_outbox_failed_total" not in samples or not samples["supportbot_outbox_failed_total"]


async def test_a_lane_the_bot_is_not_in_pauses_and_resumes_once_the_bot_is_invited(bot, caplog):
    deps = bot.runtime.deps
    bot.slack.add_channel("C0ESCAL01", "escalations", bot_member=False)
    await owe(bot, ("C0ESCAL01", "msg e1"), ("C0ESCAL01", "msg e2"), ("C0TIER2", "msg elsewhere"))
    with caplog.at_level(logging.WARNING, logger="workflows.outbox.relay"):
        await deliver_outbox(deps)
    assert texts(bot, "C0TIER2") == ["msg elsewhere"], "other channels go on"
    head, behind, _ = await outbox(bot)
    assert (head.status, head.last_error, head.not_before) == \
        (OutboxStatus.PENDING, "not_in_channel", bot.clock() + timedelta(seconds=30))
    assert behind.status == OutboxStatus.PENDING and behind.attempts == 0, "the channel's next post waits behind"
    assert "outbox lane C0ESCAL01 paused: Slack answered not_in_channel" in caplog.text

    bot.clock.advance(timedelta(seconds=30))
    await deliver_outbox(deps)  # still not invited: the pause grows
    head = (await outbox(bot))[0]
    assert head.status == OutboxStatus.PENDING and head.not_before == bot.clock() + timedelta(minutes=1)

    bot.slack.members["C0ESCAL01"].append(bot.slack.bot_user_id)  # someone types /invite @supportbot
    bot.clock.advance(timedelta(minutes=1))
    await deliver_outbox(deps)
    assert texts(bot, "C0ESCAL01") == ["msg e1", "msg e2"]
    assert all(r.status == OutboxStatus.SENT for r in await outbox(bot))
    _, samples = await scrape(bot.url)
    assert samples["supportbot_outbox_paused_total"][(("reason", "not_in_channel"), ("scope", "lane"))] == 2


async def test_what_is_given_up_on_is_counted_logged_and_listed_by_doctor(bot, database_url, caplog):
    deps = bot.runtime.deps
    bot.slack.fail_next("chat.postMessage", error="invalid_blocks")
    bot.slack.forget_channel("C0GONE001")  # deleted for good: refused for the whole retry window
    await owe(bot, ("C0TIER1", "msg broken blocks"), ("C0GONE001", "msg to a deleted channel"))
    with caplog.at_level(logging.ERROR, logger="workflows.outbox.relay"):
        await deliver_outbox(deps)
        for _ in range(8):  # tries through a day (30 s … 10 min apart; here, every 4 hours)
            bot.clock.advance(timedelta(hours=4))
            await deliver_outbox(deps)
            if all(r.status != OutboxStatus.PENDING for r in await outbox(bot)):
                break
    broken, gone = await outbox(bot)
    assert (broken.status, broken.last_error) == (OutboxStatus.FAILED, "invalid_blocks")
    assert (gone.status, gone.last_error) == (OutboxStatus.FAILED, "channel_not_found")
    assert gone.failed_at - gone.created_at == timedelta(days=1) and gone.attempts == 7
    assert f"outbox gave up on message {broken.id} (post) to C0TIER1" in caplog.text
    assert "it said: 'msg broken blocks'" in caplog.text and "it said: 'msg to a deleted channel'" in caplog.text
    _, samples = await scrape(bot.url)
    assert samples["supportbot_outbox_failed_total"] == {(("reason", "invalid_blocks"),): 1.0,
                                                         (("reason", "channel_not_found"),): 1.0}

    [result] = await check_outbox(database_url, now=bot.clock())
    assert not result.ok
    line = result.line()
    assert line.startswith("✗ Slack outbox: 2 message(s) given up on in the last day")
    assert "to C0GONE001" in line and "channel_not_found — 'msg to a deleted channel'" in line
    assert "to C0TIER1" in line and "invalid_blocks — 'msg broken blocks'" in line
    [later] = await check_outbox(database_url, now=bot.clock() + timedelta(days=2))
    assert later.ok and later.text == "Slack outbox: no message given up on in the last day"
