"""POST /pagerduty/webhook: PagerDuty v3 webhooks, signed, at least once, into Slack."""

from __future__ import annotations

import json

import aiohttp
from sqlalchemy import select

from bot.pagerduty_webhook import signature_matches
from models.pages import Page, PageStatus
from models.tickets import TicketEvent, TicketEventKind
from tests.fakes.pagerduty import incident_webhook, webhook_signature
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, paged_bot
from tests.paging_fixtures import WEBHOOK_SECRET, pagerduty_settings, start_bot
from tests.ticket_steps import create_ticket, mrkdwn_texts
from workflows.paging.pager import page_ticket

ONCALL = "C0ONCALL01"


async def post(bot, body: bytes, *, signature: str | None = None, webhook_id: str | None = "wh-1",
               secret: str | None = WEBHOOK_SECRET) -> tuple[int, dict | str]:
    headers = {"Content-Type": "application/json"}
    if signature is None and secret:
        signature = webhook_signature(body, secret)
    if signature:
        headers["X-PagerDuty-Signature"] = signature
    if webhook_id:
        headers["X-Webhook-Id"] = webhook_id
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{bot.url}/pagerduty/webhook", data=body, headers=headers) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


async def paged(bot):
    ticket = await create_ticket(bot, priority="P1")
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    return ticket, page


async def reload(bot, page_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.id == page_id))).scalar_one()


def text_of(bot, channel: str, ts: str) -> str:
    return " ".join(mrkdwn_texts(bot.slack.message(channel, ts).get("blocks", [])))


async def test_an_acknowledgement_in_pagerduty_updates_slack_and_sends_nothing_back(paged_bot, pagerduty):
    ticket, page = await paged(paged_bot)
    status, answer = await post(paged_bot, incident_webhook("incident.acknowledged", page.dedup_key,
                                                            agent="Jane <b>Responder</b>"))
    assert status == 200 and answer["applied"] is True
    await paged_bot.runtime.drain()
    stored = await reload(paged_bot, page.id)
    assert stored.status == PageStatus.ACKNOWLEDGED and stored.acknowledged_by is None
    for channel, ts in ((ONCALL, page.mirror_ts), (page.dm_channel_id, page.dm_ts)):
        assert "Acknowledged* in PagerDuty by Jane &lt;b&gt;Responder&lt;/b&gt;" in text_of(paged_bot, channel, ts)
    assert pagerduty.accepted("acknowledge") == []
    async with paged_bot.runtime.sessions() as db:
        event = (await db.execute(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.ACKNOWLEDGED))).scalar_one()
    assert event.detail["via"] == "pagerduty"


async def test_a_resolution_in_pagerduty_resolves_the_page_in_slack(paged_bot, pagerduty):
    _, page = await paged(paged_bot)
    status, _ = await post(paged_bot, incident_webhook("incident.resolved", page.dedup_key))
    assert status == 200
    await paged_bot.runtime.drain()
    assert (await reload(paged_bot, page.id)).status == PageStatus.RESOLVED
    message = paged_bot.slack.message(ONCALL, page.mirror_ts)
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    await paged_bot.runtime.drain()  # every listener has finished
    assert pagerduty.accepted("resolve") == []


async def test_a_bad_or_missing_signature_is_refused(paged_bot):
    _, page = await paged(paged_bot)
    body = incident_webhook("incident.acknowledged", page.dedup_key)
    assert (await post(paged_bot, body, signature=webhook_signature(body, "not-the-secret")))[0] == 401
    assert (await post(paged_bot, body, secret=None))[0] == 401
    assert (await post(paged_bot, body, signature="v1="))[0] == 401
    tampered = body.replace(b"Jane", b"Mallory")
    assert (await post(paged_bot, tampered, signature=webhook_signature(body, WEBHOOK_SECRET)))[0] == 401
    assert (await reload(paged_bot, page.id)).status == PageStatus.TRIGGERED


async def test_any_signature_of_a_rotated_secret_passes(paged_bot):
    _, page = await paged(paged_bot)
    body = incident_webhook("incident.acknowledged", page.dedup_key)
    header = webhook_signature(body, "old-secret", WEBHOOK_SECRET)
    assert header.count("v1=") == 2
    status, answer = await post(paged_bot, body, signature=header)
    assert status == 200 and answer["applied"] is True


async def test_a_redelivery_with_the_same_webhook_id_is_applied_once(paged_bot, clock):
    ticket, page = await paged(paged_bot)
    resolved = incident_webhook("incident.resolved", page.dedup_key)
    assert (await post(paged_bot, resolved, webhook_id="wh-42"))[1]["applied"] is True
    await paged_bot.runtime.drain()
    again = await page_ticket(deps=paged_bot.runtime.deps, ticket_id=ticket.id, reason="Breached again")
    assert again.status == PageStatus.TRIGGERED
    status, answer = await post(paged_bot, resolved, webhook_id="wh-42")  # PagerDuty retries the old one
    assert status == 200 and answer["applied"] is False
    assert (await reload(paged_bot, page.id)).status == PageStatus.TRIGGERED


async def test_malformed_and_foreign_webhooks(paged_bot):
    _, page = await paged(paged_bot)
    assert (await post(paged_bot, b"{not json"))[0] == 400
    assert (await post(paged_bot, b'{"event": null}', webhook_id="wh-2"))[0] == 400
    ping = json.dumps({"event": {"id": "x", "event_type": "pagey.ping", "resource_type": "pagey",
                                 "occurred_at": "2026-11-25T15:00:00Z", "agent": None, "client": None,
                                 "data": {"message": "Hello from your friend Pagey!", "type": "ping"}}}).encode()
    assert (await post(paged_bot, ping, webhook_id="wh-3"))[1] == {"ok": True, "applied": False}
    foreign = incident_webhook("incident.acknowledged", "someone-elses-key")
    assert (await post(paged_bot, foreign, webhook_id="wh-4"))[1]["applied"] is False
    assert (await reload(paged_bot, page.id)).status == PageStatus.TRIGGERED


def test_signature_check():
    body = b'{"event": {}}'
    good = webhook_signature(body, "s3cret")
    assert signature_matches("s3cret", body, good)
    assert signature_matches("s3cret", body, "v1=deadbeef, " + good)
    assert signature_matches("s3cret", body, good.upper().replace("V1=", "v1="))
    assert not signature_matches("s3cret", body, good.replace("v1=", "v0="))
    assert not signature_matches("s3cret", body, "")
    assert not signature_matches("s3cret", body + b" ", good)


async def test_without_a_webhook_secret_every_request_is_refused(database_url, fake_slack, clock, config,
                                                                 pagerduty, caplog):
    """Dedup keys are guessable: an unverifiable webhook must never touch a live page."""
    caplog.set_level("WARNING")
    settings = pagerduty_settings(pagerduty, pagerduty_webhook_secret=None)
    async with start_bot(database_url, fake_slack, clock, config, **settings) as bot:
        assert any("PAGERDUTY_WEBHOOK_SECRET" in r.getMessage() and "off" in r.getMessage()
                   for r in caplog.records)
        _, page = await paged(bot)
        for kind, webhook_id in (("incident.acknowledged", "wh-a"), ("incident.resolved", "wh-r")):
            body = incident_webhook(kind, page.dedup_key)
            status, answer = await post(bot, body, secret=None, webhook_id=webhook_id)
            assert status == 401 and "PAGERDUTY_WEBHOOK_SECRET" in answer["error"]
            # a signature made with any secret cannot help either
            status, _ = await post(bot, body, signature=webhook_signature(body, ""), webhook_id=webhook_id)
            assert status == 401
        await bot.runtime.drain()
        assert (await reload(bot, page.id)).status == PageStatus.TRIGGERED


async def test_deeply_nested_json_is_refused_with_400(paged_bot):
    """json.loads raises RecursionError (not ValueError) past ~1,000 levels: that was a 500."""
    _, page = await paged(paged_bot)
    for depth in (65, 990, 5_000, 150_000):
        inner = '{"a":' * depth + "1" + "}" * depth
        body = ('{"event": {"event_type": "incident.resolved", "data": {"incident_key": "%s", "x": %s}}}'
                % (page.dedup_key, inner)).encode()
        status, answer = await post(paged_bot, body, webhook_id=f"wh-deep-{depth}")
        assert status == 400, (depth, status, answer)
        assert answer["error"] == "malformed webhook: JSON nested deeper than 64 levels"
    assert (await post(paged_bot, b"[" * 100_000 + b"]" * 100_000, webhook_id="wh-list"))[0] == 400
    assert (await reload(paged_bot, page.id)).status == PageStatus.TRIGGERED


async def test_keys_and_names_no_database_can_store_are_not_ours(paged_bot):
    """A NUL or a lone surrogate in the key (Postgres refuses both) cannot name one of our
    pages; an agent's name is stored without them, and capped."""
    _, page = await paged(paged_bot)
    for n, key in enumerate((page.dedup_key + "\u0000", page.dedup_key + "\ud800", "x" * 300, "")):
        body = json.dumps({"event": {"event_type": "incident.acknowledged", "data": {"incident_key": key}}}).encode()
        status, answer = await post(paged_bot, body, webhook_id=f"wh-key-{n}")
        assert (status, answer) == (200, {"ok": True, "applied": False})
    body = json.dumps({"event": {"event_type": "incident.acknowledged", "agent": {"summary": "Ja\u0000ne\ud800" * 100},
                                 "data": {"incident_key": page.dedup_key}}}).encode()
    status, answer = await post(paged_bot, body, webhook_id="wh-agent")
    assert (status, answer) == (200, {"ok": True, "applied": True})
    await paged_bot.runtime.drain()
    async with paged_bot.runtime.sessions() as db:
        event = (await db.execute(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ACKNOWLEDGED))
                 ).scalar_one()
    assert event.detail["by"] == ("Jane" * 100)[:200]
