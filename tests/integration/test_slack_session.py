"""One HTTP session for every Slack Web API call: the runtime's client and the clients
Bolt copies from it for each request reuse the same connections (issue #11)."""

from __future__ import annotations

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import build_bolt_app
from tests.fakes.slack_requests import slash_command_body
from tests.ticket_steps import create_ticket


async def test_bolt_hands_listeners_clients_on_the_runtime_session(bot):
    session = bot.runtime.slack_session
    assert session is not None and not session.closed and bot.runtime.slack.session is session
    app = build_bolt_app(bot.runtime)
    request = AsyncBoltRequest(body=slash_command_body("/ticket", "").decode(),
                               headers={"content-type": ["application/x-www-form-urlencoded"]})
    app._init_context(request)  # what AsyncApp.async_dispatch does for every request
    client = request.context.client
    assert client is not bot.runtime.slack and client.session is session


async def test_slack_calls_reuse_connections(bot):
    for n in range(3):
        await create_ticket(bot, f"Cannot log in {n}")
    calls = [c for c in bot.slack.calls if c.peer is not None]
    assert len(calls) >= 15  # views.open, chat.postMessage, chat.getPermalink, chat.postEphemeral... per ticket
    # One new connection per call before; now a handful (one per call in flight at once).
    assert len({c.peer for c in calls}) <= 3, sorted({c.peer for c in calls})


async def test_close_closes_the_session(database_url, fake_slack, clock, config):
    from bot.runtime import build_runtime
    from tests.conftest import make_settings

    runtime = build_runtime(settings=make_settings(database_url, fake_slack.api_url), config=config, clock=clock)
    assert (await runtime.slack.auth_test())["ok"]
    await runtime.close()
    assert runtime.slack_session is not None and runtime.slack_session.closed
