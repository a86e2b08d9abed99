"""Self-service in the numbers: the deflection rate and the questions without a good
answer, in `/ticket stats`, the weekly report and `supportbot report`."""

from __future__ import annotations

from datetime import timedelta

from models.report_runs import ReportKind
from tests.kb_steps import (  # noqa: F401  (fixtures)
    answer_to,
    ask,
    click_in_message,
    deflections,
    kb_bot,
    kb_folder,
)
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts
from workflows.reports.metrics import compute_stats, report_targets
from workflows.reports.formats import stat_rows
from workflows.reports.schedule import Period
from workflows.reports.scheduled import compose_report


async def one_deflection_one_ticket_and_a_gap(bot) -> None:
    answered = await ask(bot, "I forgot my password")
    answer = await answer_to(bot, answered)
    await click_in_message(bot, answer, "Solved", answer="solved")
    await bot.slack.wait_for_response("solved")
    for wording in ("How do I export invoices to QuickBooks?", "export invoices quickbooks"):
        event = await ask(bot, wording)
        await answer_to(bot, event)
    await ask(bot, "dark mode for the mobile app")
    await bot.slack.wait_for("chat.postMessage", count=4)
    await create_ticket(bot, "VPN drops every hour", category="Bug report")
    assert len(await deflections(bot)) == 1


async def test_ticket_stats_show_the_deflection_rate_and_the_gaps(kb_bot):
    await one_deflection_one_ticket_and_a_gap(kb_bot)
    kb_bot.clock.advance(timedelta(minutes=5))
    await kb_bot.sender.slash("/ticket", "stats 7d", user_id=REPORTER, response_url=kb_bot.slack.response_url("s"))
    [answer] = await kb_bot.slack.wait_for_response("s")
    shown = "\n".join(mrkdwn_texts(answer["blocks"]))
    assert "*Self-service* (knowledge base)" in shown
    assert ("Answered without a ticket (deflection rate): 50% (1 answered by an article, 1 ticket(s) opened)"
            " — target at least 60% :warning:") in shown
    lines = shown.split("\n")
    gaps = [line.strip() for line in lines[lines.index("• Asked most without a good answer (write these "
                                                        "articles next):") + 1:]]
    assert gaps[:2] == ["1. “export invoices quickbooks” — 2×", "2. “dark mode for the mobile app” — 1×"]


async def test_stats_of_a_category_count_its_articles_deflections_only(kb_bot):
    await one_deflection_one_ticket_and_a_gap(kb_bot)
    now = kb_bot.clock() + timedelta(minutes=1)
    async with kb_bot.runtime.sessions() as db:
        login = await compute_stats(db=db, config=kb_bot.runtime.config, since=now - timedelta(days=1), until=now,
                                    category="Login problems")
        bugs = await compute_stats(db=db, config=kb_bot.runtime.config, since=now - timedelta(days=1), until=now,
                                   tier="tier1")
        everything = await compute_stats(db=db, config=kb_bot.runtime.config, since=now - timedelta(days=1), until=now)
    assert login.self_service is not None and login.self_service.gaps is None
    assert (login.self_service.deflection.part, login.self_service.deflection.whole) == (1, 1)  # no login tickets
    assert (bugs.self_service.deflection.part, bugs.self_service.deflection.whole) == (1, 2)
    rows = {(r.metric, r.scope): r for r in stat_rows(everything, report_targets(kb_bot.runtime.config))}
    assert rows[("deflection_rate", "all")].value == 50.0
    assert rows[("kb_gap", "export invoices quickbooks")].value == 2


async def test_the_weekly_report_has_the_self_service_section(kb_bot):
    await one_deflection_one_ticket_and_a_gap(kb_bot)
    end = kb_bot.clock() + timedelta(hours=1)
    content = await compose_report(sessions=kb_bot.runtime.sessions, config=kb_bot.runtime.config, now=end,
                                   period=Period(ReportKind.WEEKLY, end - timedelta(days=7), end))
    shown = "\n".join(mrkdwn_texts(content.blocks))
    assert "Answered without a ticket (deflection rate): 50%" in shown and "“export invoices quickbooks” — 2×" in shown
