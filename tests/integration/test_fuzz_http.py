"""Thousands of mutated requests, signed and not, at ``POST /slack/events`` and
``POST /pagerduty/webhook`` (``tests/fuzz_requests.py``): none gets a 5xx, each gets the
answer it deserves, and the bot is healthy afterwards with no ticket, incident or page
more or less than before.

``FUZZ_REQUESTS=20000 FUZZ_SEED=7`` runs a longer or another search than the 2,200
requests of seed 16 in a normal run; a failure names the seed and the request's index.
"""

from __future__ import annotations

import logging
import os
from collections import Counter

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from models.incidents import Incident
from models.pages import Page, PageStatus
from models.tickets import Ticket
from tests.fakes.pagerduty import incident_webhook, webhook_signature
from tests.fuzz_requests import MAX_BODY, FuzzedRequest, RequestFuzzer, webhook_verdict
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, paged_bot
from tests.paging_fixtures import WEBHOOK_SECRET
from tests.ticket_steps import create_ticket
from workflows.paging.pager import page_ticket

SEED = int(os.environ.get("FUZZ_SEED", "16"))
REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2200"))
COUNTED = (Ticket, Incident, Page)


async def counts(bot) -> tuple[int, ...]:
    async with bot.runtime.sessions() as db:
        return tuple([(await db.execute(select(func.count()).select_from(m))).scalar_one() for m in COUNTED])


def verdict_problem(request: FuzzedRequest, status: int) -> str | None:
    """Why ``status`` is the wrong answer to ``request``, or None."""
    if status >= 500:
        return "a 5xx"
    if request.path == "/pagerduty/webhook":
        expected = webhook_verdict(request.body, request.headers, signed=request.signed)
        return None if status == expected else f"expected {expected}"
    if len(request.body) > MAX_BODY:
        return None if status == 413 else "expected 413"
    if not request.signed:
        return None if status == 401 else "expected 401 (not signed)"
    return "refused as unsigned" if status == 401 else None


class Errors(logging.Handler):
    """ERROR records whose cause is the bot's own (a failed Slack call to a forged trigger is not)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, SlackApiError):
            self.records.append(f"{record.name}: {record.getMessage()[:200]} {error!r}"[:400])


async def post(http: aiohttp.ClientSession, url: str, request: FuzzedRequest) -> int:
    try:
        async with http.post(url + request.path, data=request.body, headers=request.headers) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        if len(request.body) > MAX_BODY:
            return 413  # refused before the whole body was sent: the server closed the connection
        raise


async def test_thousands_of_mutated_requests_get_no_5xx_and_leave_a_healthy_bot(paged_bot):
    bot = paged_bot
    ticket = await create_ticket(bot, "Cannot log in", priority="P1")
    page = await page_ticket(deps=bot.runtime.deps, ticket_id=ticket.id, reason="SLA breach")
    await bot.runtime.drain()
    before = await counts(bot)
    fuzz = RequestFuzzer(seed=SEED, signing_secret=bot.sender.signing_secret, webhook_secret=WEBHOOK_SECRET,
                         live_key=page.dedup_key, response_url=bot.slack.response_url("fuzz"))
    errors = Errors()
    logging.getLogger().addHandler(errors)
    problems: list[str] = []
    answered: Counter[tuple[str, int]] = Counter()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            for index in range(REQUESTS):
                request = fuzz.webhook() if index % 8 in (1, 4, 6) else fuzz.slack()
                status = await post(http, bot.url, request)
                answered[(request.path, status)] += 1
                problem = verdict_problem(request, status)
                if problem:
                    problems.append(f"seed {SEED} #{index} {request.path} {request.kind!r} "
                                    f"(signed: {request.signed}): {status}, {problem}")
                if index % 250 == 249:
                    await bot.runtime.drain(30)
            await bot.runtime.drain(30)
    finally:
        logging.getLogger().removeHandler(errors)
    assert problems == [], "\n".join(problems[:30])
    assert sum(answered.values()) == REQUESTS >= 2000
    assert {status for path, status in answered if path == "/slack/events"} >= {200, 400, 401}
    assert {status for path, status in answered if path == "/pagerduty/webhook"} >= {200, 400, 401}

    health = await bot.sender.get("/healthz")
    assert health.status == 200, health.text
    assert await counts(bot) == before
    assert errors.records == [], "\n".join(errors.records[:20])
    # and it still answers what Slack and PagerDuty really send
    assert (await bot.sender.url_verification("still-here")).json() == {"challenge": "still-here"}
    body = incident_webhook("incident.resolved", page.dedup_key)
    async with aiohttp.ClientSession() as http, http.post(
            f"{bot.url}/pagerduty/webhook", data=body,
            headers={"X-PagerDuty-Signature": webhook_signature(body, WEBHOOK_SECRET), "X-Webhook-Id": "wh-final"}
    ) as response:
        assert response.status == 200
    async with bot.runtime.sessions() as db:
        assert (await db.get(Page, page.id)).status == PageStatus.RESOLVED
