"""Customers on the ticket form and in the metrics: the `/ticket` form and the message
shortcut offer app.yaml's customers in a select (any name can still be typed), and
`/ticket stats 30d customer:Acme` and `supportbot report --customer Acme` count one
customer's tickets. On SQLite and Postgres."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.fakes.slack import input_block_by_label, view_state
from tests.fakes.slack_requests import message_shortcut_payload, view_submission_payload
from tests.integration.test_report_cli import report
from tests.intake_steps import *  # noqa: F403 - the config (intake, customers, plans) fixture
from tests.intake_steps import ACME, CUSTOMER
from tests.sla_steps import ask, shown
from tests.ticket_steps import REPORTER, create_ticket, open_modal, submit
from tests.waiting import drain
from workflows.tickets.ids import TicketBlock, TicketShortcut


async def test_the_form_offers_the_customers_and_still_takes_any_name(bot):
    view = await open_modal(bot, "Exports fail")
    select = input_block_by_label(view, "Known customer")["element"]
    assert [o["value"] for o in select["options"]] == ["Acme", "Globex"] and "initial_option" not in select
    picked = await _submit_and_read(bot, view, {"Known customer": "Globex", "Customer": None})
    assert (picked.customer, picked.plan) == ("Globex", None)
    typed = await create_ticket(bot, "Exports fail again", category="Bug report", priority="P2", customer="Initech")
    assert typed.customer == "Initech"


async def test_a_forged_customer_is_a_field_error(bot):
    view = await open_modal(bot, "Exports fail")
    state = view_state(view, {"Category": "Bug report", "Priority": "P2"})
    state[str(TicketBlock.KNOWN_CUSTOMER)] = {"known_customer_select": {
        "type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "Evil"}, "value": "Evil"}}}
    answer = await bot.sender.interactive(view_submission_payload(view, state, user_id=REPORTER))
    assert answer.json()["errors"][str(TicketBlock.KNOWN_CUSTOMER)].startswith("'Evil' is not one of our customers")


async def test_the_shortcut_on_a_customer_channel_message_preselects_the_customer(bot):
    message = bot.slack.add_message(ACME, "Our SSO login loops", user=CUSTOMER, team="T0ACMECORP")
    payload = message_shortcut_payload(str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE), user_id="U0AGENT01",
                                       channel_id=ACME, message=message)
    assert (await bot.sender.interactive(payload)).status == 200
    await bot.slack.wait_for("views.open")
    select = input_block_by_label(bot.slack.latest_view(), "Known customer")["element"]
    assert select["initial_option"]["value"] == "Acme"


async def test_stats_and_report_by_customer(bot, database_url, clock):
    for customer in ("Acme", "acme", "Globex"):
        await create_ticket(bot, f"Problem for {customer}", category="Bug report", priority="P2", customer=customer)
    clock.advance(timedelta(minutes=5))
    answer = shown(await ask(bot, "stats 30d customer:ACME", user_id="U0AGENT01"))
    assert "customer: Acme" in answer and "2 opened" in answer
    assert "1 opened" in shown(await ask(bot, "stats 30d customer:Globex", user_id="U0AGENT01"))
    everyone = shown(await ask(bot, "stats 30d", user_id="U0AGENT01"))
    assert "3 opened" in everyone

    printed = report(database_url, "--since", "30d", "--format", "json", "--customer", "acme")
    assert printed.returncode == 0, printed.stderr
    document = json.loads(printed.stdout)
    assert document["customer"] == "acme"  # the repository's app.yaml lists no customers: as typed, any case
    created = next(m for m in document["metrics"] if m["metric"] == "tickets_created" and m["scope"] == "all")
    assert created["value"] == 2


async def _submit_and_read(bot, view: dict, values: dict):
    from tests.intake_steps import tickets
    before = len(bot.slack.calls_to("chat.postEphemeral"))
    answer = await submit(bot, view, {"Category": "Bug report", "Priority": "P2", **values})
    assert answer.status == 200 and not answer.body, answer.body
    await bot.slack.wait_for("chat.postEphemeral", count=before + 1)
    await drain(bot)
    return (await tickets(bot))[-1]
