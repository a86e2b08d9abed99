"""Slack-only paging (no PAGERDUTY_ROUTING_KEY): the primary, then the secondary after
the ack window, then everyone in the tier's channel — once each, until someone acks."""

from __future__ import annotations

import dataclasses
import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from workflows.paging.ids import PageAction
from models.pages import Page, PageStatus
from tests.fakes.slack_requests import block_actions_payload
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import until
from workflows.paging.delivery import deliver_pending_pages
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.pager import page_ticket, record_ticket_page
from workflows.paging.repaging import repage_unacknowledged

ONCALL, TIER1 = "C0ONCALL01", "C0TIER1FL"
PRIMARY, SECONDARY = "U0PRIMARY1", "U0SECOND01"


def text_of(message: dict) -> str:
    return " ".join(mrkdwn_texts(message.get("blocks", [])))


async def reload(bot, page_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.id == page_id))).scalar_one()


async def test_unacknowledged_page_climbs_to_the_secondary_then_the_tier_channel(bot, clock):
    ticket = await create_ticket(bot, "Login broken <!here>", category="Login problems", priority="P1")
    deps = bot.runtime.deps
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach: first response overdue")
    assert page.pd_pending_action is None and not page.pagerduty_sent
    assert page.ack_due_at == clock() + timedelta(minutes=15)
    mirror = bot.slack.message(ONCALL, page.mirror_ts)
    assert f"<@{PRIMARY}>" in mirror["text"]
    primary_dm = bot.slack.message(page.dm_channel_id, page.dm_ts)
    assert "Ticket #" in primary_dm["text"]

    clock.advance(timedelta(minutes=14))
    assert await repage_unacknowledged(deps=deps) == 0

    clock.advance(timedelta(minutes=1))
    assert await repage_unacknowledged(deps=deps) == 1
    assert await repage_unacknowledged(deps=deps) == 0
    stored = await reload(bot, page.id)
    assert stored.escalation_level == 1 and stored.oncall_user_id == SECONDARY
    [reply] = [m for m in bot.slack.thread(ONCALL, page.mirror_ts) if m["ts"] != page.mirror_ts]
    assert f"<@{SECONDARY}>" in reply["text"] and f"<@{PRIMARY}>" in reply["text"]
    secondary_dm = bot.slack.message(stored.dm_channel_id, stored.dm_ts)
    assert stored.dm_channel_id == bot.slack.dm_channel(SECONDARY)
    assert "you are paged now" in text_of(secondary_dm)
    assert f"re-paged <@{SECONDARY}>" in text_of(bot.slack.message(ONCALL, page.mirror_ts))

    clock.advance(timedelta(minutes=15))
    assert await repage_unacknowledged(deps=deps) == 1
    [here] = bot.slack.messages(TIER1)[-1:]
    assert here["text"].startswith("<!here>") and f"Ticket #{ticket.number}" in here["text"]
    assert "<!here>" not in text_of(here).replace("<!here> :rotating_light:", "")  # only ours, not the summary's
    assert "Login broken &lt;!here&gt;" in text_of(here)
    stored = await reload(bot, page.id)
    assert stored.escalation_level == 2 and stored.ack_due_at is None

    clock.advance(timedelta(hours=2))
    assert await repage_unacknowledged(deps=deps) == 0
    assert await deliver_pending_pages(deps=deps) == 0  # no PagerDuty here


async def test_an_acknowledgement_stops_the_climb(bot, clock):
    ticket = await create_ticket(bot, priority="P0")
    deps = bot.runtime.deps
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    assert page.ack_due_at == clock() + timedelta(minutes=5)
    message = bot.slack.message(page.dm_channel_id, page.dm_ts)
    payload = block_actions_payload(str(PageAction.PAGE_ACKNOWLEDGE), str(page.id), user_id=PRIMARY,
                                    channel_id=page.dm_channel_id, message=message,
                                    response_url=bot.slack.response_url("ack"))
    assert (await bot.sender.interactive(payload)).status == 200
    async def acknowledged() -> bool:
        return (await reload(bot, page.id)).status == PageStatus.ACKNOWLEDGED
    await until(acknowledged, what="the page acknowledged")
    stored = await reload(bot, page.id)
    assert stored.status == PageStatus.ACKNOWLEDGED and stored.ack_due_at is None
    clock.advance(timedelta(hours=1))
    assert await repage_unacknowledged(deps=deps) == 0
    assert stored.pd_pending_action is None


async def test_two_sweeps_at_once_re_page_once(bot, clock, database_url):
    ticket = await create_ticket(bot, priority="P1")
    deps = bot.runtime.deps
    page = await page_ticket(deps=deps, ticket_id=ticket.id, reason="SLA breach")
    clock.advance(timedelta(minutes=15))
    other_engine = make_engine(database_url)
    try:
        other = dataclasses.replace(deps, sessions=make_session_factory(other_engine))
        results = await asyncio.gather(*(repage_unacknowledged(deps=d) for d in (deps, other, deps, other)))
    finally:
        await other_engine.dispose()
    assert sum(results) == 1
    assert (await reload(bot, page.id)).escalation_level == 1
    assert len([m for m in bot.slack.thread(ONCALL, page.mirror_ts) if m["ts"] != page.mirror_ts]) == 1


async def test_a_page_stored_without_its_mirror_is_mirrored_by_the_outbox_sweep(bot, clock):
    ticket = await create_ticket(bot, priority="P1")
    deps = bot.runtime.deps
    async with deps.sessions.begin() as db:  # the process stops before posting the mirror
        row = await db.get(type(ticket), ticket.id)
        record = await record_ticket_page(db, row, deps=deps, now=deps.clock(), reason="SLA breach")
    assert await deliver_outbox(deps) == 2  # the outbox sweep: the on-call channel message and the DM
    assert await deliver_outbox(deps) == 0
    page = await reload(bot, record.page_id)
    assert f"<@{PRIMARY}>" in bot.slack.message(ONCALL, page.mirror_ts)["text"]
    assert bot.slack.message(page.dm_channel_id, page.dm_ts)
