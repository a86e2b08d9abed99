"""`statuspage` in app.yaml: `/incident external text` creates (first time) or updates the
incident on an Atlassian Statuspage page (REST API v1, against the fake in
tests/fakes/statuspage.py), the resolution resolves it; failures are retried like pages
(claimed in the database, backoff), shown in the war room, never lost nor doubled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from bot.database import make_engine, make_session_factory
from bot.doctor_statuspage import check_statuspage_updates
from bot.statuspage_gateway import StatusPageGateway
from models.statuspage_updates import StatuspageUpdate
from tests.conftest import REPO_ROOT
from tests.fakes.statuspage import FakeStatuspage
from tests.incident_steps import answer, declare, kinds, load_incident, run_in_war_room, settle, text_of
from tests.paging_fixtures import start_bot
from workflows.deps import Deps
from workflows.incidents.statuspage import deliver_statuspage_updates
from workflows.policy.loader import parse_config

API, DB = "8kbf7d35c070", "9kbf7d35c071"


def statuspage_config(page_id: str, **extra):
    data = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    data["statuspage"] = {"page_id": page_id, "components": {"P0": [API, DB], "P1": [API]}, **extra}
    return parse_config(data)


@pytest.fixture
async def statuspage() -> AsyncIterator[FakeStatuspage]:
    async with FakeStatuspage(components=[API, DB]) as fake:
        yield fake


@pytest.fixture
async def sp_bot(database_url, fake_slack, clock, statuspage):
    async with start_bot(database_url, fake_slack, clock, statuspage_config(statuspage.page_id),
                         statuspage_api_key=statuspage.api_key, statuspage_api_url=statuspage.url) as running:
        yield running


def room_texts(bot, incident) -> list[str]:
    return [text_of(m) for m in bot.slack.messages(incident.channel_id)]


async def _updates(bot) -> list[StatuspageUpdate]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(StatuspageUpdate).order_by(StatuspageUpdate.id))).scalars())


async def test_created_updated_and_resolved(sp_bot, statuspage):
    bot = sp_bot
    incident, _ = await declare(bot, "P1 Checkout failing &amp; slow")
    await settle(bot)
    await run_in_war_room(bot, incident, "external Payments are failing for some customers; we are on it",
                          then="statuspage_sent")
    [created] = await statuspage.wait_for(1, "POST")
    assert created.headers["Authorization"] == f"OAuth {statuspage.api_key}"
    fields = created.body["incident"]
    assert fields["name"] == "Checkout failing & slow" and fields["status"] == "investigating"
    assert fields["body"] == "Payments are failing for some customers; we are on it"
    assert fields["component_ids"] == [API] and fields["components"] == {API: "partial_outage"}
    assert fields["metadata"] == {"supportbot": {"incident_id": str(incident.id)}}
    [page_incident] = statuspage.incidents.values()
    stored = await load_incident(bot, incident.id)
    assert stored.statuspage_incident_id == page_incident["id"] and stored.statuspage_url == page_incident["shortlink"]
    texts = room_texts(bot, incident)
    assert any("updated customers: Payments are failing" in t and "Publishing it on the status page." in t
               for t in texts)
    assert any(f"is on the status page: <{page_incident['shortlink']}>" in t for t in texts)

    # A leading status word sets the incident's status on the page; without one it stays.
    await run_in_war_room(bot, incident, "external identified The card processor is failing; fix deployed",
                          then="statuspage_sent", count=2)
    [patch] = await statuspage.wait_for(1, "PATCH")
    assert patch.path == f"/v1/pages/{statuspage.page_id}/incidents/{page_incident['id']}"
    assert patch.body["incident"]["body"] == "The card processor is failing; fix deployed"
    assert patch.body["incident"]["status"] == "identified" and "name" not in patch.body["incident"]
    assert any("updated customers (status: *identified*): The card processor is failing" in t
               for t in room_texts(bot, incident))
    await run_in_war_room(bot, incident, "external Monitoring the fix", then="statuspage_sent", count=3)
    second = (await statuspage.wait_for(2, "PATCH"))[1]
    assert second.body["incident"]["body"] == "Monitoring the fix" and "status" not in second.body["incident"]
    assert statuspage.incidents[page_incident["id"]]["status"] == "identified"
    await run_in_war_room(bot, incident, "resolve Card processor recovered", then="statuspage_sent", count=4)
    assert len(statuspage.writes("POST")) == 1  # one incident on the page, ever
    resolved = statuspage.incidents[page_incident["id"]]
    assert resolved["status"] == "resolved" and statuspage.components[API] == "operational"
    assert [(u["body"], u["status"]) for u in resolved["incident_updates"]] == [
        ("Payments are failing for some customers; we are on it", "investigating"),
        ("The card processor is failing; fix deployed", "identified"), ("Monitoring the fix", "identified"),
        ("Card processor recovered", "resolved")]
    assert statuspage.components[DB] == "operational"  # a P1 touches only its components
    assert (await kinds(bot, incident.id)).count("statuspage_sent") == 4
    await settle(bot)
    assert any("Published on the status page" in t and "Published on the status page (identified)" in t
               and "Customers updated by" in t and "(identified): The card processor" in t
               and "Resolved on the status page" in t
               for t in room_texts(bot, incident))  # the post-mortem draft's timeline


async def test_a_5xx_is_retried_with_backoff_shown_in_the_war_room_and_sent_once(sp_bot, statuspage, clock,
                                                                                   database_url):
    bot = sp_bot
    incident, _ = await declare(bot, "P0 Everything is down")
    await settle(bot)
    statuspage.fail_next(status=503, times=2)
    await run_in_war_room(bot, incident, "external We are investigating an outage", then="external_update_posted")
    await settle(bot)
    assert [c.status for c in statuspage.writes()] == [503]
    assert any("The status page has not taken the customer update" in t and "503" in t
               for t in room_texts(bot, incident))
    [row] = await _updates(bot)
    assert row.sent_at is None and row.attempts == 1 and row.next_attempt_at == clock() + timedelta(seconds=5)
    [waiting] = await check_statuspage_updates(database_url, bot.runtime.deps.config, now=clock())
    line = waiting.line()  # supportbot doctor lists what still waits, as it lists the outbox's failures
    assert not waiting.ok and line.startswith("✗ Status page: 1 update(s) waiting to be sent:")
    assert f"#{row.id} the customer update of incident #{incident.id}" in line and "1 attempt(s)" in line
    assert "last error: POST /v1/pages/" in line and "503" in line and "'We are investigating an outage'" in line
    assert "STATUSPAGE_API_KEY" in line  # the fix

    deps = bot.runtime.deps
    assert await deliver_statuspage_updates(deps=deps) == 0  # not due yet: nothing sent
    assert len(statuspage.writes()) == 1
    clock.advance(timedelta(seconds=5))
    assert await deliver_statuspage_updates(deps=deps) == 0  # the second 503: 10 s now
    clock.advance(timedelta(seconds=10))
    engine = make_engine(database_url)
    try:  # two replicas' sweeps at once: one send
        other = Deps(sessions=make_session_factory(engine), slack=deps.slack, config=deps.config, clock=deps.clock,
                     statuspage=StatusPageGateway(api_key=statuspage.api_key, api_url=statuspage.url),
                     outbox_steps=deps.outbox_steps, outbox_renderers=deps.outbox_renderers)
        results = await asyncio.gather(deliver_statuspage_updates(deps=deps), deliver_statuspage_updates(deps=other))
        await other.statuspage.close()
    finally:
        await engine.dispose()
    assert sum(results) == 1
    await settle(bot)
    assert [c.status for c in statuspage.writes()] == [503, 503, 201]
    [page_incident] = statuspage.incidents.values()
    assert page_incident["components"] == [{"id": API, "status": "major_outage"}, {"id": DB, "status": "major_outage"}]
    texts = room_texts(bot, incident)
    assert sum("has not taken" in t for t in texts) == 1  # the first failure is said, not each retry
    assert any("is on the status page" in t and "took the customer update after 3 tries" in t for t in texts)
    [clear] = await check_statuspage_updates(database_url, bot.runtime.deps.config, now=clock())
    assert clear.line() == "✓ Status page: no update waiting to be sent, none refused in the last day"


async def test_an_answer_lost_after_the_incident_was_created_creates_no_second_one(sp_bot, statuspage, clock):
    bot = sp_bot
    incident, _ = await declare(bot, "P1 Login errors")
    await settle(bot)
    statuspage.lose_answers(1)
    await run_in_war_room(bot, incident, "external Some logins fail", then="external_update_posted")
    await settle(bot)
    assert [c.status for c in statuspage.writes()] == [504]
    clock.advance(timedelta(seconds=5))
    assert await deliver_statuspage_updates(deps=bot.runtime.deps) == 1
    assert len(statuspage.incidents) == 1 and len(statuspage.writes("POST")) == 1
    [page_incident] = statuspage.incidents.values()
    assert (await load_incident(bot, incident.id)).statuspage_incident_id == page_incident["id"]


async def test_a_refused_update_is_given_up_and_said(database_url, fake_slack, clock, statuspage):
    async with start_bot(database_url, fake_slack, clock, statuspage_config(statuspage.page_id),
                         statuspage_api_key=statuspage.api_key, statuspage_api_url=statuspage.url) as bot:
        statuspage.components.pop(API)  # the component was deleted on the page: 422
        incident, _ = await declare(bot, "P1 Search down")
        await settle(bot)
        await run_in_war_room(bot, incident, "external Search is down", then="statuspage_failed")
        assert [c.status for c in statuspage.writes()] == [422]
        assert any("The status page refused the customer update" in t for t in room_texts(bot, incident))
        [row] = await _updates(bot)
        assert row.failed_at is not None
        [refused] = await check_statuspage_updates(database_url, bot.runtime.deps.config, now=clock())
        line = refused.line()
        assert not refused.ok and line.startswith("✗ Status page: 1 update(s) refused in the last day, not published:")
        assert f"#{row.id} the customer update of incident #{incident.id}" in line and "422" in line
        assert "'Search is down'" in line and "/incident external" in line
        [later] = await check_statuspage_updates(database_url, bot.runtime.deps.config,
                                                 now=clock() + timedelta(days=2))
        assert later.ok and "none refused in the last day" in later.line()
        clock.advance(timedelta(hours=1))
        assert await deliver_statuspage_updates(deps=bot.runtime.deps) == 0
        assert len(statuspage.writes()) == 1
        # Resolving sends nothing: there is no incident on the page to resolve.
        await run_in_war_room(bot, incident, "resolve Fixed", then="postmortem_posted")
        assert len(statuspage.writes()) == 1


async def test_private_incidents_keep_their_title_off_the_page(sp_bot, statuspage):
    bot = sp_bot
    incident, _ = await declare(bot, "--private P1 Account takeover at Acme")
    await settle(bot)
    await run_in_war_room(bot, incident, "external Some accounts are locked while we investigate",
                          then="statuspage_sent")
    [created] = await statuspage.wait_for(1, "POST")
    assert created.body["incident"]["name"] == "Investigating an issue"


async def test_the_first_update_may_set_the_status_and_a_wrong_word_is_answered(sp_bot, statuspage):
    bot = sp_bot
    incident, _ = await declare(bot, "P1 Login errors")
    await settle(bot)
    refused = await answer(bot, "external resolved All good", channel=incident.channel_id)
    assert "`/incident resolve summary` resolves the incident" in refused
    assert "Write the customer update" in await answer(bot, "external monitoring", channel=incident.channel_id)
    assert statuspage.calls == []
    await run_in_war_room(bot, incident, "external monitoring A fix is live; we are watching logins",
                          then="statuspage_sent")
    [created] = await statuspage.wait_for(1, "POST")
    assert created.body["incident"]["status"] == "monitoring"
    assert created.body["incident"]["body"] == "A fix is live; we are watching logins"
    help_text = await answer(bot, "help", channel=incident.channel_id)
    assert "`/incident external [investigating|identified|monitoring] what customers were told`" in help_text


async def test_without_a_key_nothing_is_published_and_the_war_room_is_told(database_url, fake_slack, clock,
                                                                            statuspage):
    async with start_bot(database_url, fake_slack, clock, statuspage_config(statuspage.page_id)) as bot:
        incident, _ = await declare(bot, "P1 Checkout failing")
        await settle(bot)
        await run_in_war_room(bot, incident, "external Degraded", then="external_update_posted")
        assert any("Not published on the status page: STATUSPAGE_API_KEY is not set" in t
                   for t in room_texts(bot, incident))
        assert await _updates(bot) == [] and statuspage.calls == []


async def test_without_statuspage_in_app_yaml_external_only_records(bot, database_url):
    incident, _ = await declare(bot, "P1 Checkout failing")
    await settle(bot)
    await run_in_war_room(bot, incident, "external Degraded", then="external_update_posted")
    assert not any("status page" in t for t in room_texts(bot, incident))
    assert await _updates(bot) == []
    assert await check_statuspage_updates(database_url, bot.runtime.deps.config) == []  # doctor says nothing
