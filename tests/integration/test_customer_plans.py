"""Per-customer plans (``plans:``, ``customers[].plan``): a plan's targets and hours
replace the priority's for its customers' tickets (due times, warnings and breaches, the
card), tickets of other customers keep the desk's; `/ticket` with a known customer picks
its plan; `supportbot simulate --plan`. On SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from tests.intake_steps import *  # noqa: F403 - the config (intake, customers, plans) fixture
from tests.intake_steps import ACME, GLOBEX, GUEST_TEAM, guest_message, one_ticket, send_event, tickets
from tests.policies import example_policy_data
from tests.sla_steps import card_field, fire, reload, thread_texts
from tests.ticket_steps import create_ticket
from tests.waiting import drain

WEEKEND = {"business_hours": {"days": ["sat", "sun"], "start": "10:00", "end": "12:00"},
           "priorities": {"P3": {"first_response": "3h"}}}


async def test_a_plans_target_replaces_the_prioritys(bot, clock):
    message = guest_message(bot, ACME, "Dashboard shows yesterday's numbers")
    assert (await send_event(bot, message, envelope_team=GUEST_TEAM)).status == 200
    acme = await one_ticket(bot)
    assert acme.priority == "P3" and acme.plan == "enterprise"
    # enterprise: P3 first response 30m around the clock (the desk's P3: 24 working hours)
    assert acme.first_response_due_at == clock.now + timedelta(minutes=30)
    assert "Acme · plan enterprise" in card_field(bot, acme, "Customer")

    other = guest_message(bot, GLOBEX, "Dashboard shows yesterday's numbers too")
    assert (await send_event(bot, other, envelope_team=GUEST_TEAM)).status == 200
    await drain(bot)
    globex = [t for t in await tickets(bot) if t.customer == "Globex"][0]
    assert globex.plan is None and globex.first_response_due_at > clock.now + timedelta(hours=20)

    clock.advance(timedelta(minutes=30))
    await fire(bot)
    await drain(bot)
    assert any("breached" in text.lower() for text in thread_texts(bot, await reload(bot, acme.id)))
    assert not any("breached" in text.lower() for text in thread_texts(bot, await reload(bot, globex.id)))


async def test_a_ticket_form_naming_a_known_customer_takes_its_plan(bot, clock):
    ticket = await create_ticket(bot, "Exports fail", category="Bug report", priority="P3", customer="acme")
    assert (ticket.customer, ticket.plan) == ("Acme", "enterprise")
    assert ticket.first_response_due_at == clock.now + timedelta(minutes=30)
    unknown = await create_ticket(bot, "Exports fail", category="Bug report", priority="P3", customer="Initech")
    assert (unknown.customer, unknown.plan) == ("Initech", None)


@pytest.mark.parametrize("config", [{"plans": {"enterprise": {}, "weekend": WEEKEND},
                                     "customers": [{"name": "Acme", "channels": [ACME], "plan": "weekend"}]}],
                         indirect=True)
async def test_a_plans_business_hours_replace_the_desks(bot, clock):
    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # Saturday 10:00 in New York
    message = guest_message(bot, ACME, "Our weekend batch did not run")
    assert (await send_event(bot, message, envelope_team=GUEST_TEAM)).status == 200
    ticket = await one_ticket(bot)
    # 3 working hours on Saturday and Sunday 10:00-12:00: 2h Saturday, 1h Sunday
    assert ticket.first_response_due_at == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)


def test_simulate_with_a_plan(capsys):
    code = main(["simulate", "--config", "app.yaml", "--priority", "P3", "--category", "Bug report",
                 "--created", "2026-11-27 17:30", "--plan", "enterprise"], environ={})
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "first response due Fri 2026-11-27 21:30 EST" in out.out  # 4h around the clock
    code = main(["simulate", "--config", "app.yaml", "--priority", "P3", "--category", "Bug report",
                 "--plan", "platinum"], environ={})
    assert code == 2 and "--plan 'platinum' is not in the policy; plans: basic, professional, enterprise" in \
        capsys.readouterr().err


def test_check_config_names_plan_problems(tmp_path, capsys):
    import yaml
    data = example_policy_data()
    data["plans"]["enterprise"]["priorities"]["P2"]["resolution"] = "1h"
    data["customers"] = [{"name": "Acme", "channels": ["C0TRIAGE01"], "plan": "gold"}]
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
    assert main(["check-config", str(path)], environ={}) == 1
    said = capsys.readouterr()
    out = said.out + said.err
    assert "plans.enterprise.priorities.P2.resolution: 1h is shorter than first_response (4h)" in out
    assert "customers[0].plan: unknown plan 'gold' (plans: basic, professional, enterprise)" in out
    assert "customers[0].channels[0]: C0TRIAGE01 is the desk's own channel (channels.triage)" in out
