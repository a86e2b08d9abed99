"""Hostile input at ``POST /slack/events`` (property-based, hypothesis): correctly signed
but random, mutated or forged Slack payloads never get a 5xx, never change a ticket,
incident or page, never make the bot send Slack blocks it rejects, and never end in an
internal error — each is refused (4xx) or answered with a clear private error.

Also: hostile webhooks at ``POST /pagerduty/webhook`` of a bot with a webhook secret:
unsigned or badly signed ones get 401, signed ones 200 or 400 as their body deserves,
and none changes anything. (``test_fuzz_http.py`` posts thousands of mutated requests
of both kinds without hypothesis.)
(The caps on 5,000-character texts are in ``test_long_text.py``.)

``HOSTILE_EXAMPLES=3000`` runs a longer search than the 150 examples of a normal run.
"""

from __future__ import annotations

import itertools
import json
import logging
import os

import aiohttp
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from workflows.tickets.ids import TicketAction
from models.incidents import Incident, IncidentEvent
from models.pages import Page
from models.tickets import Ticket, TicketEvent
from tests.fakes.slack_requests import sign
from tests.fakes.slack_views import validate_message_blocks
from tests.fuzz_requests import webhook_verdict
from tests.hostile_payloads import FORGED_TEAM, RESPONSE_URL, click, hostile_requests
from tests.hostile_webhooks import pagerduty_webhooks
from tests.paging_fixtures import WEBHOOK_SECRET, start_bot
from tests.ticket_steps import create_ticket
from tests.waiting import drain

COUNTED = (Ticket, TicketEvent, Incident, IncidentEvent, Page)
#: Slack errors that mean the bot built something Slack rejects (not a forged trigger_id).
OUR_FAULT = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_arguments", "fake_slack_bug",
             "invalid_attachments", "too_long"}


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def internal_errors(records: list[logging.LogRecord]) -> list[str]:
    """Errors the bot logged as its own fault (Slack refusing a forged trigger is not)."""
    found = []
    for record in records:
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno >= logging.ERROR and not isinstance(error, SlackApiError):
            found.append(f"{record.name}: {record.getMessage()} {error!r}")
    return found


def rejected_by_slack(bot, since: int) -> list[str]:
    problems = []
    for call in bot.slack.calls[since:]:
        error = call.response.get("error")
        details = " ".join((call.response.get("response_metadata") or {}).get("messages") or [])
        if error in OUR_FAULT and "trigger_id" not in details:
            problems.append(f"{call.method}: {error} {details}")
    for name, posted in bot.slack.responses.items():
        for payload in posted:
            if isinstance(payload, dict) and "blocks" in payload and validate_message_blocks(payload["blocks"]):
                problems.append(f"response_url {name}: invalid blocks")
    return problems


_deliveries = itertools.count(1)


def fresh_event_id(body: bytes) -> bytes:
    """A new event_id per call: a replayed example is processed again, not skipped as a
    redelivery (so hypothesis can reproduce and shrink what it found)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return body
    if isinstance(envelope, dict) and isinstance(envelope.get("event_id"), str) and len(envelope["event_id"]) < 90:
        envelope["event_id"] += f"-{next(_deliveries)}"
        return json.dumps(envelope).encode()
    return body


async def counts(bot) -> tuple[int, ...]:
    async with bot.runtime.sessions() as db:
        return tuple([(await db.execute(select(func.count()).select_from(m))).scalar_one() for m in COUNTED])


@pytest.fixture
async def desk(bot):
    """The running bot with ticket #1 (id 1) open, and a recorder of its warnings and errors."""
    ticket = await create_ticket(bot, "Cannot log in", priority="P2")
    assert (ticket.id, ticket.number) == (1, 1)
    await drain(bot)
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    try:
        yield bot, recorder, await counts(bot)
    finally:
        logging.getLogger().removeHandler(recorder)


@settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "150")), deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(request=hostile_requests())
@example(request=click(str(TicketAction.CLAIM), "²"))  # isdigit() but not a number int() reads
@example(request=click(str(TicketAction.DECLARE_INCIDENT), "١"))  # int("١") is 1: ticket #1's incident
@example(request=click(str(TicketAction.DECLARE_INCIDENT), "1", team=FORGED_TEAM))  # another workspace's ticket
@example(request=click(str(TicketAction.CLAIM), "1", team=FORGED_TEAM))
@example(request=click(str(TicketAction.CSAT_RATE_5), "99999999999999999999:5"))  # beyond the database's integer
async def test_hostile_slack_requests_change_nothing_and_never_fail_inside(desk, request):
    bot, recorder, before = desk
    body, content_type = request
    body = fresh_event_id(body.replace(RESPONSE_URL.encode(), bot.slack.response_url("fuzz").encode()))
    headers = sign(body, bot.sender.signing_secret)
    if content_type:
        headers["Content-Type"] = content_type
    recorder.records.clear()
    bot.slack.responses.clear()
    calls = len(bot.slack.calls)
    reply = await bot.sender.raw(body, headers)
    event(f"answered {reply.status}")  # --hypothesis-show-statistics shows the spread
    assert reply.status < 500, (reply.status, reply.text)
    # A listener that loses its ack leaves Bolt waiting 3 s, the time Slack gives us.
    assert reply.elapsed < 2.9, f"answered after {reply.elapsed:.1f}s (Slack gives up after 3s)"
    await drain(bot)
    assert await counts(bot) == before
    assert internal_errors(recorder.records) == []
    assert rejected_by_slack(bot, calls) == []


@pytest.fixture
async def webhook_desk(database_url, fake_slack, clock, config):
    """A running bot with a PAGERDUTY_WEBHOOK_SECRET (so signed webhooks are processed),
    ticket #1 open but not paged, and a recorder of its warnings and errors."""
    async with start_bot(database_url, fake_slack, clock, config, pagerduty_webhook_secret=WEBHOOK_SECRET) as bot:
        ticket = await create_ticket(bot, "Cannot log in", priority="P2")
        assert (ticket.id, ticket.number) == (1, 1)
        await drain(bot)
        recorder = Recorder()
        logging.getLogger().addHandler(recorder)
        try:
            yield bot, recorder, await counts(bot)
        finally:
            logging.getLogger().removeHandler(recorder)


@settings(max_examples=100, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(webhook=pagerduty_webhooks(secret=WEBHOOK_SECRET))
async def test_hostile_pagerduty_webhooks_get_the_answer_they_deserve_and_change_nothing(webhook_desk, webhook):
    """Unsigned or badly signed: 401. Signed: 400 unless the body is a JSON event, else 200
    (ticket #1 has no page, so an event naming its key finds nothing to change)."""
    bot, recorder, before = webhook_desk
    body, headers, signed = webhook
    recorder.records.clear()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/pagerduty/webhook", data=body, headers=headers) as resp:
            status = resp.status
    event(f"answered {status}")
    assert status == webhook_verdict(body, headers, signed=signed)
    await drain(bot)
    assert await counts(bot) == before
    assert internal_errors(recorder.records) == []
