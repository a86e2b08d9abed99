"""The escalation matrix's automatic escalations (`escalation` in app.yaml): after a time
unresolved, after too long in a tier, on the breaches named, and the management notice —
each at most once per ticket across restarts and replicas, with its reason on the
timeline and in the request; a ticket at the end of its path stays, and says so once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from models.auto_escalations import AutoEscalation
from models.tickets import TicketEventKind
from tests.lifecycle_steps import ask
from tests.paging_fixtures import start_bot
from tests.policies import example_policy_data
from tests.sla_steps import fire, reload, reply, thread_texts, timeline
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import drain
from workflows.policy.loader import parse_config
from workflows.sla.engine import fire_due_notifications

AGENT = "U0AGENT"
H, M = timedelta(hours=1), timedelta(minutes=1)
TIER1, TIER2, TIER3, TIER4 = "C0TIER1FL", "C0TIER2TS", "C0TIER3EN", "C0TIER4EX"


def policy(escalation: dict | None, **tier_keys: dict):
    data = example_policy_data()
    data.pop("escalation", None)
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
        tier["page"] = False
        tier.update(tier_keys.get(tier["id"], {}))
    for priority in data["priorities"].values():
        priority.pop("page_on_open", None)
    if escalation is not None:
        data["escalation"] = escalation
    return parse_config(data)


def requests(bot, channel: str) -> list[dict]:
    return [m for m in bot.slack.messages(channel) if "Escalation request" in (m.get("text") or "")]


def body(message: dict) -> str:
    return " ".join(mrkdwn_texts(message.get("blocks", []))) or message.get("text", "")


async def rules(bot, ticket) -> list[tuple[str, str | None]]:
    async with bot.runtime.sessions() as db:
        rows = (await db.execute(select(AutoEscalation).where(AutoEscalation.ticket_id == ticket.id)
                                 .order_by(AutoEscalation.id))).scalars()
        return [(row.rule, row.to_tier) for row in rows]


async def test_after_moves_a_p0_to_tier_2_at_30m_exactly_once_across_a_restart(database_url, fake_slack, clock):
    config = policy({"after": {"P0": "30m"}, "on_breach": {}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Site down", category="Login problems", priority="P0")
        clock.advance(29 * M)
        await fire(bot)
        assert (await reload(bot, ticket.id)).tier == "tier1"
    clock.advance(1 * M)
    async with start_bot(database_url, fake_slack, clock, config) as bot:  # restarted: the row is in the database
        await fire(bot)
        await drain(bot)
        moved = await reload(bot, ticket.id)
        assert moved.tier == "tier2" and moved.escalation_count == 1
        [request] = requests(bot, TIER2)
        assert "unresolved after 30m (P0)" in body(request) and "supportbot (automatic)" in body(request)
        [note] = thread_texts(bot, ticket, "escalated")
        assert "supportbot escalated" in note and "unresolved after 30m (P0)" in note
        [row] = await timeline(bot, ticket, TicketEventKind.ESCALATED)
        assert row.actor_id is None and row.detail["automatic"] and row.detail["rule"] == "after"
        assert row.detail["reason"] == "unresolved after 30m (P0)" and row.detail["to"] == "tier2"
    async with start_bot(database_url, fake_slack, clock, config) as bot:  # and again: nothing more
        clock.advance(2 * H)
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).escalation_count == 1
        assert len(requests(bot, TIER2)) == 1 and not requests(bot, TIER3)
        assert await rules(bot, ticket) == [("after", "tier2")]


async def test_a_rule_fires_once_even_when_its_due_time_is_planned_again(database_url, fake_slack, clock):
    config = policy({"after": {"P0": "30m", "P1": "2h"}, "on_breach": {}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Site down", category="Login problems", priority="P0")
        clock.advance(30 * M)
        await fire(bot)
        url = bot.slack.response_url("prio")
        await bot.sender.slash("/ticket", f"priority #{ticket.number} P1", user_id=AGENT, channel_id="C0GENERAL",
                               response_url=url)
        await bot.slack.wait_for_response("prio")
        await drain(bot)
        clock.advance(2 * H)  # P1's `after` (2h from opening) is planned and falls due: the rule has fired
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).tier == "tier2"
        assert len(requests(bot, TIER2)) == 1 and not requests(bot, TIER3)


async def test_two_engines_at_once_escalate_once(database_url, fake_slack, clock):
    config = policy({"after": {"P0": "30m"}, "on_breach": {}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Site down", category="Login problems", priority="P0")
        second_engine = make_engine(database_url)
        try:
            other = dataclasses.replace(bot.runtime.deps, sessions=make_session_factory(second_engine))
            clock.advance(30 * M)
            await asyncio.gather(fire_due_notifications(deps=bot.runtime.deps), fire_due_notifications(deps=other),
                                 fire_due_notifications(deps=bot.runtime.deps), fire_due_notifications(deps=other))
        finally:
            await second_engine.dispose()
        await drain(bot)
        assert (await reload(bot, ticket.id)).escalation_count == 1
        assert len(requests(bot, TIER2)) == 1


async def test_time_in_tier_moves_a_ticket_on_at_its_categorys_time(database_url, fake_slack, clock):
    config = policy({"time_in_tier": {"Login problems": {"tier1": "1h", "tier2": "8h"},
                                      "Performance issues": {"tier2": "4h"}},
                     "on_breach": {}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        login = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
        slow = await create_ticket(bot, "Reports time out", category="Performance issues", priority="P1")
        await reply(bot, login, "looking", user=AGENT)
        await reply(bot, slow, "looking", user=AGENT)
        clock.advance(1 * H)
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, login.id)).tier == "tier2" and (await reload(bot, slow.id)).tier == "tier2"
        [request] = requests(bot, TIER2)
        assert "1h in Frontline (Login problems)" in body(request)
        clock.advance(3 * H - M)
        await fire(bot)
        assert (await reload(bot, slow.id)).tier == "tier2"
        clock.advance(M)  # 4h in Technical
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, slow.id)).tier == "tier3"
        assert "4h in Technical (Performance issues)" in body(requests(bot, TIER3)[-1])
        assert (await reload(bot, login.id)).tier == "tier2"  # its 8h in Technical count from its escalation
        clock.advance(5 * H)  # 1h + 8h after opening: 8h in Technical
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, login.id)).tier == "tier3"
        assert await rules(bot, login) == [("time_in_tier:tier1", "tier2"), ("time_in_tier:tier2", "tier3")]


async def test_a_ticket_at_the_end_of_its_path_stays_and_says_so_once(database_url, fake_slack, clock):
    config = policy({"after": {"P0": "30m"}, "time_in_tier": {"Performance issues": {"tier3": "1h"}},
                     "on_breach": {"P0": ["first_response"]}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Reports time out", category="Performance issues", priority="P0")
        clock.advance(15 * M)  # the first response is breached: Technical -> Engineering, the end of the path
        await fire(bot)
        assert (await reload(bot, ticket.id)).tier == "tier3"
        clock.advance(15 * M)  # 30m unresolved: due to move on, but there is nowhere to go
        await fire(bot)
        await drain(bot)
        stays = thread_texts(bot, ticket, "last tier of its escalation path")
        assert len(stays) == 1 and "unresolved after 30m (P0)" in stays[0] and "Engineering" in stays[0]
        assert len([m for m in bot.slack.messages(TIER3) if "last tier" in m.get("text", "")]) == 1
        clock.advance(1 * H)  # 1h in Engineering: the timeline says so, Slack hears nothing more
        await fire(bot)
        await drain(bot)
        assert len(thread_texts(bot, ticket, "last tier")) == 1
        stored = await reload(bot, ticket.id)
        assert stored.tier == "tier3" and stored.escalation_count == 1
        skipped = await timeline(bot, ticket, TicketEventKind.NOT_ESCALATED)
        assert [e.detail["rule"] for e in skipped] == ["after", "time_in_tier:tier3"]


async def test_on_breach_escalates_on_the_breaches_named(database_url, fake_slack, clock):
    config = policy({"on_breach": {"P1": ["resolution", "tier_response"]}, "management": {"after": {}}},
                    tier2={"response": "30m"}, tier3={"response": "15m"})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
        clock.advance(1 * H)  # first response breached: not named, no escalation
        await fire(bot)
        assert (await reload(bot, ticket.id)).tier == "tier1"
        [breach] = thread_texts(bot, ticket, "first response overdue")
        assert "Escalated" not in breach
        await reply(bot, ticket, "sorry, on it", user=AGENT)
        clock.advance(7 * H)  # resolution breached (8h): named, Frontline -> Technical
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).tier == "tier2"
        [breach] = thread_texts(bot, ticket, "resolution overdue")
        assert "Escalated automatically to *Technical*" in breach
        clock.advance(30 * M)  # Technical did not answer in 30m: named, Technical -> Engineering
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).tier == "tier3"
        [breach] = thread_texts(bot, ticket, "Technical response overdue")
        assert "Escalated automatically to *Engineering*" in breach
        clock.advance(15 * M)  # Engineering did not answer either: the end of the path, said once
        await fire(bot)
        await drain(bot)
        [breach] = thread_texts(bot, ticket, "Engineering response overdue")
        assert "already at the last tier of its escalation path (Engineering)" in breach
        assert await rules(bot, ticket) == [("on_breach:resolution", "tier2"), ("on_breach:tier_response:tier2", "tier3"),
                                            ("on_breach:tier_response:tier3", None), ("end_of_path", None)]


async def test_the_management_notice_once_at_4h_in_its_channel_mentioning_managers(database_url, fake_slack, clock):
    config = policy({"on_breach": {}, "management": {"after": {"P0": "4h"}, "channel": "C0MGMT0001",
                                                     "mention": "S0MANAGERS"}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Site down", category="Login problems", priority="P0")
        p1 = await create_ticket(bot, "Slow", category="Login problems", priority="P1")
        clock.advance(4 * H - M)
        await fire(bot)
        assert not bot.slack.messages("C0MGMT0001")
        clock.advance(M)
        await fire(bot)
        await drain(bot)
        [notice] = bot.slack.messages("C0MGMT0001")
        assert notice["text"].startswith("<!subteam^S0MANAGERS> :briefcase: Management notice")
        assert f"#{ticket.number}" in notice["text"] and "still unresolved after 4h" in notice["text"]
        assert f"#{p1.number}" not in notice["text"]  # P1 is not named under `after`
        assert not [m for m in bot.slack.messages(TIER4) if "Management" in m.get("text", "")]
        url = bot.slack.response_url("prio")  # a priority change plans the notice again: not sent again
        await bot.sender.slash("/ticket", f"priority #{ticket.number} P0", user_id=AGENT, channel_id="C0GENERAL",
                               response_url=url)
        clock.advance(H)
        await fire(bot)
        await drain(bot)
        assert len(bot.slack.messages("C0MGMT0001")) == 1
        assert len(await timeline(bot, ticket, TicketEventKind.MANAGEMENT_NOTIFIED)) == 1


async def test_without_an_escalation_section_the_bot_behaves_as_before(database_url, fake_slack, clock):
    config = policy(None)
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        p1 = await create_ticket(bot, "Checkout down", category="Payment failed", priority="P1")
        p2 = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
        clock.advance(4 * H)  # P1 first response breached (1h): escalates; P2's (4 working hours) does not
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, p1.id)).tier == "tier2" and (await reload(bot, p2.id)).tier == "tier1"
        [notice] = [m for m in bot.slack.messages(TIER4) if "Management notice" in m.get("text", "")]
        assert f"#{p1.number}" in notice["text"] and notice["text"].startswith(":briefcase:")


async def test_time_in_tier_counts_from_a_move_into_the_tier(database_url, fake_slack, clock):
    config = policy({"time_in_tier": {"Login problems": {"tier1": "1h", "tier2": "2h"}},
                     "on_breach": {}, "management": {"after": {}}})
    async with start_bot(database_url, fake_slack, clock, config) as bot:
        ticket = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
        await reply(bot, ticket, "looking", user=AGENT)
        clock.advance(30 * M)
        assert (await ask(bot, f"move #{ticket.number} tier2", user_id=AGENT)).startswith("Moved")
        assert (await reload(bot, ticket.id)).tier == "tier2"
        clock.advance(2 * H - M)  # 2h30 after opening, but 1h59 in Technical
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).tier == "tier2" and not requests(bot, TIER3)
        clock.advance(M)  # 2h in Technical since the move
        await fire(bot)
        await drain(bot)
        assert (await reload(bot, ticket.id)).tier == "tier3"
        assert await rules(bot, ticket) == [("time_in_tier:tier2", "tier3")]
