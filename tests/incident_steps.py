"""Steps that incident tests share: declaring, typing `/incident …` in a war room, and
waiting for what the bot does in reply."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from sqlalchemy import select

from models.incidents import Incident, IncidentEvent
from tests.ticket_steps import mrkdwn_texts

IC = "U0COMMANDER"  # declares and commands
HELPER = "U0HELPER"
COMMS = "U0COMMS"
PRIMARY = "U0PRIMARY1"  # the rotation's primary at the FakeClock's start
INCIDENTS = "C0INCIDENTS"
ONCALL = "C0ONCALL01"
GENERAL = "C0GENERAL"

_names = itertools.count(1)


def text_of(message: dict) -> str:
    """A message's fallback text and every mrkdwn text in its blocks."""
    return " ".join([message.get("text") or "", *mrkdwn_texts(message.get("blocks", []))])


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def load_incident(bot, incident_id: int | None = None) -> Incident:
    async with bot.runtime.sessions() as db:
        stmt = select(Incident).order_by(Incident.id.desc()).limit(1) if incident_id is None else \
            select(Incident).where(Incident.id == incident_id)
        return (await db.execute(stmt)).scalar_one()


async def events(bot, incident_id: int) -> list[IncidentEvent]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                                      .order_by(IncidentEvent.at, IncidentEvent.id))).scalars())


async def kinds(bot, incident_id: int) -> list[str]:
    return [str(e.kind) for e in await events(bot, incident_id)]


async def slash(bot, text: str, *, user: str = IC, channel: str = GENERAL) -> str:
    """Type `/incident text`; the name of the response_url the answer (if any) goes to."""
    name = f"incident-{next(_names)}"
    reply = await bot.sender.slash("/incident", text, user_id=user, channel_id=channel,
                                   response_url=bot.slack.response_url(name))
    assert reply.status == 200 and not reply.body, reply.body
    return name


async def answer(bot, text: str, *, user: str = IC, channel: str = GENERAL) -> str:
    """Type `/incident text` and return the ephemeral answer's text."""
    name = await slash(bot, text, user=user, channel=channel)
    [response] = await bot.slack.wait_for_response(name)
    assert response["response_type"] == "ephemeral"
    return response["text"]


async def declare(bot, text: str = "P1 Checkout failing for EU customers", *, user: str = IC,
                  channel: str = GENERAL) -> tuple[Incident, str]:
    """`/incident declare …` as a person types it: the stored incident and the confirmation."""
    confirmation = await answer(bot, f"declare {text}", user=user, channel=channel)
    assert not confirmation.startswith(":warning:"), confirmation
    return await load_incident(bot), confirmation


async def run_in_war_room(bot, incident: Incident, text: str, *, user: str = IC, then: str,
                          count: int | None = None) -> None:
    """Type `/incident text` in the war room; wait for its timeline row ``then`` and for the
    Slack calls that follow it to settle."""
    before = sum(1 for k in await kinds(bot, incident.id) if k == then)
    await slash(bot, text, user=user, channel=incident.channel_id)
    await eventually(lambda: _has(bot, incident.id, then, count or before + 1))
    await bot.runtime.drain()  # the listener's work, its outbox rows sent included
    await settle(bot)


async def _has(bot, incident_id: int, kind: str, count: int) -> bool:
    return sum(1 for k in await kinds(bot, incident_id) if k == kind) >= count


async def settle(bot, quiet: float = 0.15) -> None:
    """Wait until the fake Slack has had no call for ``quiet`` seconds."""
    seen = -1
    while seen != len(bot.slack.calls):
        seen = len(bot.slack.calls)
        await asyncio.sleep(quiet)
