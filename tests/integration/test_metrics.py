"""Support metrics from a fixed dataset built through the workflows on the fake clock.

Every ticket is opened through the real /ticket modal, answered by a signed thread
reply, escalated, paused, resolved, reopened and rated with the workflow functions,
and the SLA engine fires whatever falls due (a P1 first-response breach escalates one
ticket to tier2 on its own). The policy is the example app.yaml (America/New_York,
08:00-18:00 Mon-Fri, US holidays plus 2026-11-27): the P2 ticket opened Wednesday
16:00 is answered Saturday, 65 hours later by the wall clock, and still meets its
4-hour business-hours target, which falls due Monday 10:00.

    ticket  opened (UTC)     prio  category             what happens
    old     Mon 23 15:00     P3    Feature request      resolved Sat 28 (before the period)
    A       Wed 25 15:00     P1    Login problems       answered +30m, resolved +2h, rated 5
    B       Wed 25 15:10     P1    Payment failed       breached, auto-escalated to tier2, answered +2h,
                                                        waits on customer 1h, resolved +10h, rated 3
    C       Wed 25 15:20     P0    Performance issues   answered +5m, escalated to tier3, resolved +1h,
                                                        reopened, resolved again +3h30m
    G       Wed 25 15:40     P1    Account compromise   answered +45m, escalated to tier3, still open
    E       Wed 25 16:00     P3    General question     never answered, still open
    D       Wed 25 21:00     P2    Bug report           answered Sat 28 14:00, resolved Tue 1 14:00
    F       Thu 3  14:00     P2    Login problems       opened an hour before the end, not due yet
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.metrics_queries import Percentiles, Volume
from tests.fakes.clock import DEFAULT_START
from tests.fakes.slack_views import validate_message_blocks
from tests.metrics_steps import AGENT, Desk
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts
from tests.policies import policy_without_matrix
from workflows.errors import InvalidRequest
from workflows.reports.metrics import Ratio, compute_stats
from workflows.reports.stats_command import answer_stats_command
from workflows.tickets.lifecycle import reopen_ticket
from workflows.tickets.waiting import resume_ticket, wait_on_customer

T0 = DEFAULT_START                                 # Wed 2026-11-25 15:00 UTC, 10:00 in New York
UNTIL = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)   # Thu 10:00 in New York


@pytest.fixture
def config():
    """The example policy without its escalation matrix (#18), whose timed escalations,
    tier clocks and pages on open would add to the timelines this file counts."""
    return policy_without_matrix()


async def build_dataset(bot) -> dict[str, object]:
    desk = Desk(bot)
    m = timedelta(minutes=1)
    await desk.at(T0 - timedelta(days=2))
    old = await create_ticket(bot, "Old question", category="Feature request", priority="P3")
    await desk.at(T0)
    a = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P1")
    await desk.at(T0 + 10 * m)
    b = await create_ticket(bot, "Card declined", category="Payment failed", priority="P1")
    await desk.at(T0 + 20 * m)
    c = await create_ticket(bot, "Dashboard slow", category="Performance issues", priority="P0")
    await desk.at(T0 + 25 * m)
    await desk.reply(c)
    await desk.at(T0 + 30 * m)
    await desk.reply(a)
    await desk.escalate(c)                                   # tier2 -> tier3
    await desk.at(T0 + 40 * m)
    g = await create_ticket(bot, "Account taken over", category="Account compromise", priority="P1")
    await desk.at(T0 + 60 * m)
    e = await create_ticket(bot, "How do exports work?", category="General question", priority="P3")
    await desk.at(T0 + 80 * m)                               # B's first response breached at +70m
    await desk.resolve(c)
    await desk.at(T0 + 85 * m)
    await desk.reply(g)
    await desk.escalate(g)                                   # tier2 -> tier3
    await desk.at(T0 + 120 * m)
    await desk.resolve(a)
    await desk.rate(a, 5)
    await desk.at(T0 + 130 * m)
    await desk.reply(b)
    await desk.at(T0 + 150 * m)
    await wait_on_customer(deps=desk.deps, team_id=b.team_id, actor_id=AGENT, ticket_id=b.id)
    await desk.at(T0 + 180 * m)
    await reopen_ticket(deps=desk.deps, team_id=c.team_id, ticket_id=c.id, actor_id=REPORTER)
    await desk.at(T0 + 210 * m)
    await resume_ticket(deps=desk.deps, team_id=b.team_id, actor_id=AGENT, ticket_id=b.id)
    await desk.at(T0 + 230 * m)
    await desk.resolve(c)
    await desk.at(T0 + 6 * 60 * m)                           # Wed 16:00 in New York
    d = await create_ticket(bot, "Export button <missing>", category="Bug report", priority="P2")
    await desk.at(T0 + 610 * m)
    await desk.resolve(b)
    await desk.rate(b, 3)
    await desk.at(datetime(2026, 11, 28, 14, 0, tzinfo=UTC))  # Saturday
    await desk.reply(d)
    await desk.at(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))
    await desk.resolve(old)
    await desk.at(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    await desk.resolve(d)
    await desk.at(UNTIL - timedelta(hours=1))
    f = await create_ticket(bot, "Locked out again", category="Login problems", priority="P2")
    await desk.at(UNTIL)
    return {name: await desk.reload(t) for name, t in
            {"old": old, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}.items()}


async def test_every_metric_of_a_known_dataset(bot, config):
    t = await build_dataset(bot)
    # The business-hours due times the attainment compares against (stored at creation).
    assert t["d"].first_response_due_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)   # Mon 10:00 NY
    assert t["d"].resolution_due_at == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)        # Wed 10:00 NY
    assert t["e"].first_response_due_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC)    # Tue 15:00 NY
    assert t["b"].tier == "tier2" and t["b"].paused_seconds == 3600                    # the engine escalated it
    assert t["c"].reopen_count == 1 and t["c"].tier == "tier3" and t["g"].tier == "tier3"

    async with bot.runtime.sessions() as db:
        stats = await compute_stats(db=db, config=config, since=T0, until=UNTIL)

    assert stats.volume == Volume(created=7, resolved=5, open=3)
    p0, p1, p2, p3 = (stats.priority(p) for p in ("P0", "P1", "P2", "P3"))
    assert [p.created for p in (p0, p1, p2, p3)] == [1, 3, 2, 1]
    assert p0.first_response == Percentiles(1, 300, 300)
    assert p1.first_response == Percentiles(3, 2700, 7200)          # 30m, 45m, 2h: nearest rank 2 and 3
    assert p2.first_response == Percentiles(1, 234_000, 234_000)    # Wed 21:00 -> Sat 14:00 UTC
    assert p3.first_response == Percentiles(0, None, None)
    assert p0.resolution == Percentiles(1, 12_600, 12_600)          # to the second resolution
    assert p1.resolution == Percentiles(2, 7200, 32_400)            # B: 10h less 1h waiting
    assert p2.resolution == Percentiles(1, 493_200, 493_200)
    assert p3.resolution == Percentiles(0, None, None)
    assert stats.first_response == Percentiles(5, 2700, 234_000)
    assert stats.resolution == Percentiles(4, 12_600, 493_200)

    # Attainment: met by the stored due time; open and overdue is missed; open, not due, left out.
    assert p0.first_response_attainment == Ratio(1, 1) and p0.resolution_attainment == Ratio(1, 1)
    assert p1.first_response_attainment == Ratio(2, 3)              # B answered after 2h
    assert p1.resolution_attainment == Ratio(1, 3)                  # B late, G open past due
    assert p2.first_response_attainment == Ratio(1, 1)              # D in business hours; F not due
    assert p2.resolution_attainment == Ratio(1, 1)
    assert p3.first_response_attainment == Ratio(0, 1)              # E open past due
    assert p3.resolution_attainment == Ratio(0, 0)                  # E's week is not over
    assert stats.first_response_attainment == Ratio(4, 6)
    assert stats.resolution_attainment == Ratio(3, 5)
    assert round(p1.first_response_attainment.percent, 2) == 66.67

    assert stats.escalation == Ratio(2, 7)                          # C and G reached tier3; B only tier2
    assert stats.reopen == Ratio(1, 4)
    assert stats.csat_responses == Ratio(2, 4)
    assert stats.csat_average == 4.0
    assert stats.top_categories == [("Login problems", 2), ("Account compromise", 1), ("Bug report", 1),
                                    ("General question", 1), ("Payment failed", 1)]

    async with bot.runtime.sessions() as db:
        tier3 = await compute_stats(db=db, config=config, since=T0, until=UNTIL, tier="tier3")
        tier2 = await compute_stats(db=db, config=config, since=T0, until=UNTIL, tier="tier2")
        tier1 = await compute_stats(db=db, config=config, since=T0, until=UNTIL, tier="tier1")
        login = await compute_stats(db=db, config=config, since=T0, until=UNTIL, category="Login problems")
        late = await compute_stats(db=db, config=config, since=T0 + timedelta(hours=5), until=UNTIL)
        earlier = await compute_stats(db=db, config=config, since=T0, until=T0 + timedelta(hours=2, minutes=5))
        other_team = await compute_stats(db=db, config=config, since=T0, until=UNTIL, team_id="T0OTHER")
    assert tier3.volume.created == 2 and tier3.escalation == Ratio(2, 2)
    assert tier2.volume.created == 3                                # B (escalated in), C and G (started there)
    assert tier1.volume.created == 4                                # A, B, D, F; E went to triage
    assert login.volume.created == 2 and login.priority("P1").first_response_attainment == Ratio(1, 1)
    assert late.volume.created == 2 and late.top_categories == [("Bug report", 1), ("Login problems", 1)]
    # As things stood at +2h05m: A and C (its first time) resolved; old, B, G and E open;
    # B's first response missed, G's in time.
    assert earlier.volume == Volume(created=5, resolved=2, open=4)
    assert earlier.priority("P1").first_response_attainment == Ratio(2, 3)
    assert earlier.reopen == Ratio(0, 2) and earlier.csat_responses == Ratio(1, 2)
    assert other_team.volume.created == 0 and other_team.first_response == Percentiles(0, None, None)

    # `/ticket stats`: the same numbers, against their targets, in valid Block Kit.
    asked = {"sessions": bot.runtime.sessions, "config": bot.runtime.config, "clock": bot.clock, "team_id": t["a"].team_id}
    reply = await answer_stats_command(**asked, text="stats 8d")
    assert validate_message_blocks(reply["blocks"]) == [] and len(reply["blocks"]) <= 50
    shown = "\n".join(mrkdwn_texts(reply["blocks"]))
    assert reply["blocks"][0]["text"]["text"] == "Support stats: last 1w 1d"
    assert "*Opened*\n7" in shown and "*Resolved*\n5" in shown and "*Open at the end*\n3" in shown
    assert "first response 45m / 2h (target 1h)" in shown
    assert "first response 66.7% (2/3, target 95%) :warning:" in shown
    assert "first response 100% (1/1, target 90%) :white_check_mark:" in shown      # P2, business hours
    assert "Escalated to Tier 3 or above: 28.6% (2 of 7 opened) — target at most 15% :warning:" in shown
    assert "Satisfaction (CSAT): 4.0/5 — target at least 4.5/5 :warning:" in shown
    assert "1. Login problems — 2" in shown
    assert "66.7%" in reply["text"]

    narrowed = await answer_stats_command(**asked, text="8d engineering")
    assert "tier: Engineering" in "\n".join(mrkdwn_texts(narrowed["blocks"]))
    assert "*Opened*\n2" in "\n".join(mrkdwn_texts(narrowed["blocks"]))
    with pytest.raises(InvalidRequest, match="neither a tier"):
        await answer_stats_command(**asked, text="30d <!channel>")
