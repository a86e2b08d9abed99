"""Reloading app.yaml (SIGHUP): a bad file is refused, a good one re-targets open tickets."""

from __future__ import annotations

from datetime import timedelta

import yaml
from sqlalchemy import select

from bot.reload import reload_policy
from models.sla import SlaNotification
from models.tickets import Ticket
from tests.conftest import REPO_ROOT
from tests.ticket_steps import create_ticket
from workflows.sla.engine import fire_due_notifications


def write_policy(tmp_path, **p1) -> str:
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P1"].update(p1)
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(policy))
    return str(path)


async def test_a_new_target_moves_open_tickets_and_their_timers(bot, clock, tmp_path):
    ticket = await create_ticket(bot, priority="P1")
    assert await reload_policy(bot.runtime, write_policy(tmp_path, first_response="2h"))
    async with bot.runtime.sessions() as db:
        moved = (await db.execute(select(Ticket).where(Ticket.id == ticket.id))).scalar_one()
        due = sorted((await db.execute(select(SlaNotification.due_at).where(
            SlaNotification.ticket_id == ticket.id, SlaNotification.kind == "first_response_warning"))).scalars())
    assert moved.first_response_due_at == ticket.created_at + timedelta(hours=2)
    assert due == [ticket.created_at + timedelta(minutes=90)]
    clock.advance(timedelta(minutes=60))
    await fire_due_notifications(deps=bot.runtime.deps)
    thread = bot.slack.thread(ticket.channel_id, ticket.message_ts)
    assert not [m for m in thread if "SLA" in (m.get("text") or "")]  # the old 45-minute warning is gone


async def test_an_invalid_file_is_refused_and_the_old_policy_kept(bot, tmp_path, caplog):
    before = bot.runtime.config
    assert not await reload_policy(bot.runtime, write_policy(tmp_path, first_response="1 hour"))
    assert bot.runtime.config is before
    assert "priorities.P1.first_response: '1 hour' is not a duration" in caplog.text


async def test_a_new_escalation_matrix_replans_open_tickets(bot, clock, tmp_path):
    ticket = await create_ticket(bot, category="Login problems", priority="P1")
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["escalation"] = {"after": {"P1": "2h"}, "on_breach": {}, "management": {"after": {}}}
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(policy))
    assert await reload_policy(bot.runtime, str(path))
    async with bot.runtime.sessions() as db:
        kinds = {kind: due for kind, due in (await db.execute(select(SlaNotification.kind, SlaNotification.due_at).where(
            SlaNotification.ticket_id == ticket.id, SlaNotification.claimed_at.is_(None)))).all()}
    assert kinds["escalation_after"] == ticket.created_at + timedelta(hours=2)
    assert "management_notice" not in kinds
    clock.advance(timedelta(hours=2))
    await fire_due_notifications(deps=bot.runtime.deps)
    async with bot.runtime.sessions() as db:
        assert (await db.execute(select(Ticket.tier).where(Ticket.id == ticket.id))).scalar_one() == "tier2"
