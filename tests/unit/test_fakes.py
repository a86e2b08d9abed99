"""Self-tests of the Slack test doubles, driven by slack_sdk's and slack_bolt's real clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack import FakeSlack, input_block_by_label, view_state
from tests.fakes.slack_requests import (
    SlackSender,
    block_actions_payload,
    event_callback_body,
    interactive_body,
    sign,
    slash_command_body,
    view_submission_payload,
)
from tests.waiting import until

TOKEN = "xoxb-test-token"
SECRET = "test-secret"


def ticket_modal() -> dict:
    category = {"type": "static_select", "action_id": "category", "options": [
        {"text": {"type": "plain_text", "text": "Login problems"}, "value": "login"},
        {"text": {"type": "plain_text", "text": "Payment failed"}, "value": "payment"},
    ]}
    return {
        "type": "modal",
        "callback_id": "ticket_modal",
        "title": {"type": "plain_text", "text": "New ticket"},
        "submit": {"type": "plain_text", "text": "Create"},
        "private_metadata": "C0GENERAL",
        "blocks": [
            {"type": "input", "block_id": "summary", "label": {"type": "plain_text", "text": "Summary"},
             "element": {"type": "plain_text_input", "action_id": "summary", "initial_value": "VPN"}},
            {"type": "input", "block_id": "description", "optional": True,
             "label": {"type": "plain_text", "text": "Description"},
             "element": {"type": "plain_text_input", "action_id": "description", "multiline": True}},
            {"type": "input", "block_id": "category", "label": {"type": "plain_text", "text": "Category"},
             "element": category},
            {"type": "input", "block_id": "customer", "label": {"type": "plain_text", "text": "Customer"},
             "element": {"type": "users_select", "action_id": "customer"}},
        ],
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url)


async def test_auth_is_checked(fake: FakeSlack, client: AsyncWebClient) -> None:
    auth = await client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("U0BOT", "B0BOT", "T0TEST")
    with pytest.raises(SlackApiError) as wrong:
        wrong_client = AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url)
        await wrong_client.chat_postMessage(channel="C1", text="x")
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        await AsyncWebClient(base_url=fake.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert fake.messages() == []
    assert fake.calls_to("auth.test")[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_messages_are_stored_and_updated(fake: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*#1* VPN down"}}]
    first = await client.chat_postMessage(channel="C_TRIAGE", text="#1 VPN down", blocks=blocks)
    reply = await client.chat_postMessage(channel="C_TRIAGE", text="on it", thread_ts=first["ts"])
    assert float(reply["ts"]) > float(first["ts"])
    await client.chat_update(channel="C_TRIAGE", ts=first["ts"], text="#1 VPN down (P1)")
    card = fake.message("C_TRIAGE", first["ts"])
    assert card["text"] == "#1 VPN down (P1)" and card["blocks"] == blocks  # blocks retained
    assert [m["text"] for m in fake.thread("C_TRIAGE", first["ts"])] == ["on it"]
    assert len(fake.messages("C_TRIAGE")) == 2
    for call, error in [
        (client.chat_update(channel="C_TRIAGE", ts="1.000001", text="x"), "message_not_found"),
        (client.api_call("chat.postMessage", json={"channel": "C_TRIAGE"}), "no_text"),
        (client.chat_postMessage(channel="not-a-channel", text="x"), "channel_not_found"),
        (client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "header", "text": {
            "type": "plain_text", "text": "x" * 151}}]), "invalid_blocks"),
    ]:
        with pytest.raises(SlackApiError) as exc:
            await call
        assert exc.value.response["error"] == error
    link = await client.chat_getPermalink(channel="C_TRIAGE", message_ts=first["ts"])  # GET
    assert link["permalink"].startswith("https://fake.slack.com/archives/C_TRIAGE/p")


async def test_form_body_with_json_encoded_blocks(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.api_call("chat.postMessage", data={
        "channel": "C1", "blocks": '[{"type": "divider"}]', "text": "t"})
    assert fake.messages("C1")[0]["blocks"] == [{"type": "divider"}]


async def test_views_open_checks_trigger_and_view(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as no_trigger:
        await client.api_call("views.open", json={"view": ticket_modal()})
    assert no_trigger.value.response["error"] == "invalid_arguments"
    bad = {**ticket_modal(), "title": {"type": "plain_text", "text": "A title that is far too long"}}
    with pytest.raises(SlackApiError) as too_long:
        await client.views_open(trigger_id="1.2.a", view=bad)
    assert "/view/title/text" in too_long.value.response["response_metadata"]["messages"][0]
    opened = await client.views_open(trigger_id="1.2.a", view=ticket_modal())
    assert opened["view"]["id"].startswith("V") and opened["view"]["hash"]
    with pytest.raises(SlackApiError) as reused:
        await client.views_open(trigger_id="1.2.a", view=ticket_modal())
    assert reused.value.response["error"] == "expired_trigger_id"
    updated = await client.views_update(view_id=opened["view"]["id"], view=ticket_modal(),
                                        hash=opened["view"]["hash"])
    assert updated["view"]["id"] == opened["view"]["id"]


async def test_view_state_fills_a_modal_by_label(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.views_open(trigger_id="1.2.b", view=ticket_modal())
    view = fake.latest_view("ticket_modal")
    assert input_block_by_label(view, "Category")["block_id"] == "category"
    state = view_state(view, {"Category": "Payment failed", "Customer": "U0CUST"})
    assert state["summary"]["summary"] == {"type": "plain_text_input", "value": "VPN"}
    assert state["description"]["description"]["value"] is None
    assert state["category"]["category"]["selected_option"]["value"] == "payment"
    assert state["customer"]["customer"] == {"type": "users_select", "selected_user": "U0CUST"}
    with pytest.raises(AssertionError, match="Summary"):
        input_block_by_label(view, "Title")
    with pytest.raises(AssertionError, match="not among the options"):
        view_state(view, {"Category": "Refunds"})
    payload = view_submission_payload(view, state, user_id="U0REPORTER")
    assert payload["view"]["private_metadata"] == "C0GENERAL" and payload["view"]["state"]["values"] == state


async def test_failure_injection(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert fake.messages() == []
    fake.fail_next("chat.postMessage", error="channel_not_found")
    fake.fail_next("chat.postMessage", status=503)
    for status in (200, 503):
        with pytest.raises(SlackApiError) as failed:
            await client.chat_postMessage(channel="C1", text="x")
        assert failed.value.response.status_code == status
    fake.fail_next("chat.postMessage", retry_after=0)
    retrying = AsyncWebClient(token=TOKEN, base_url=fake.api_url,
                              retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    await retrying.chat_postMessage(channel="C1", text="x")
    assert [c.status for c in await fake.wait_for("chat.postMessage", count=5)][-2:] == [429, 200]
    assert len(fake.messages("C1")) == 1


async def test_wait_for_lists_calls_on_timeout(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        await fake.wait_for("views.open", timeout=0.05)


async def test_conversations(fake: FakeSlack, client: AsyncWebClient) -> None:
    for name, error in [("Inc-Big", "invalid_name_specials"), ("i" * 81, "invalid_name_maxlength")]:
        with pytest.raises(SlackApiError) as exc:
            await client.conversations_create(name=name)
        assert exc.value.response["error"] == error
    room = (await client.conversations_create(name="inc-1-vpn-down"))["channel"]
    with pytest.raises(SlackApiError) as taken:
        await client.conversations_create(name="inc-1-vpn-down")
    assert taken.value.response["error"] == "name_taken"
    await client.conversations_invite(channel=room["id"], users=["U0A", "U0B"])
    with pytest.raises(SlackApiError) as again:
        await client.conversations_invite(channel=room["id"], users="U0A")
    assert again.value.response["error"] == "already_in_channel"
    members = await client.conversations_members(channel=room["id"])
    assert members["members"] == ["U0BOT", "U0A", "U0B"]
    await client.conversations_setTopic(channel=room["id"], topic="P1 VPN down")
    info = await client.conversations_info(channel=room["id"])
    assert info["channel"]["topic"]["value"] == "P1 VPN down"
    posted = await client.chat_postMessage(channel=room["id"], text="declared")
    await client.pins_add(channel=room["id"], timestamp=posted["ts"])
    assert fake.pins(room["id"]) == [posted["ts"]]
    dm = (await client.conversations_open(users="U0A"))["channel"]["id"]
    assert dm.startswith("D")
    fake.add_channel("C_OUTSIDE", "outside", bot_member=False)
    with pytest.raises(SlackApiError) as outside:
        await client.chat_postMessage(channel="C_OUTSIDE", text="x")
    assert outside.value.response["error"] == "not_in_channel"
    assert (await client.users_info(user="U0A"))["user"]["id"] == "U0A"


async def test_file_upload_and_response_url(fake: FakeSlack, client: AsyncWebClient) -> None:
    done = await client.files_upload_v2(content="a,b\n1,2\n", filename="report.csv", channel="C1")
    assert done["file"]["name"] == "report.csv"
    [entry] = fake.files.values()
    assert entry["data"] == b"a,b\n1,2\n" and entry["channel"] == "C1"
    url = fake.response_url("r1")
    await AsyncWebhookClient(url).send(text="Ticket #1 created", response_type="ephemeral")
    assert (await fake.wait_for_response("r1"))[0]["text"] == "Ticket #1 created"


def test_sign_is_accepted_by_slack_sdk() -> None:
    body = slash_command_body("/ticket", "VPN down")
    headers = sign(body, SECRET)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert not verifier.is_valid_request(body, sign(body + b"&x=1", SECRET))
    event = event_callback_body({"type": "app_mention"})
    assert verifier.is_valid_request(event, sign(event, SECRET))
    payload = interactive_body({"type": "block_actions"})
    assert verifier.is_valid_request(payload, sign(payload, SECRET))


async def test_signed_requests_reach_bolt_listeners(fake: FakeSlack) -> None:
    """The whole chain: SlackSender -> Bolt (signature check) -> listener -> FakeSlack."""
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=fake.api_url), signing_secret=SECRET)
    seen: list[str] = []

    @app.command("/ticket")
    async def open_modal(ack, body, client):  # type: ignore[no-untyped-def]
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=ticket_modal())

    @app.view("ticket_modal")
    async def submitted(ack, view):  # type: ignore[no-untyped-def]
        seen.append(view["state"]["values"]["summary"]["summary"]["value"])
        await ack()

    @app.action("ack_page")
    async def clicked(ack, body):  # type: ignore[no-untyped-def]
        seen.append(body["actions"][0]["value"])
        await ack()

    @app.event("message")
    async def on_message(event):  # type: ignore[no-untyped-def]
        seen.append(event["text"])

    async def route(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", route)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    sender = SlackSender(f"http://{host}:{port}", SECRET)
    try:
        assert (await sender.slash("/ticket", "VPN down")).status == 200
        await fake.wait_for("views.open")
        view = fake.latest_view("ticket_modal")
        state = view_state(view, {"Summary": "VPN down", "Category": "login", "Customer": "U0C"})
        assert (await sender.interactive(view_submission_payload(view, state, user_id="U0R"))).status == 200
        posted = await AsyncWebClient(token=TOKEN, base_url=fake.api_url).chat_postMessage(
            channel="C_ONCALL", text="Page", blocks=[{"type": "actions", "block_id": "page", "elements": [
                {"type": "button", "action_id": "ack_page", "value": "7",
                 "text": {"type": "plain_text", "text": "Acknowledge"}}]}])
        click = block_actions_payload("ack_page", "7", user_id="U0ONCALL", channel_id="C_ONCALL",
                                      message_ts=posted["ts"], message=fake.message("C_ONCALL", posted["ts"]))
        assert click["actions"][0]["block_id"] == "page"
        assert (await sender.interactive(click)).status == 200
        event = fake.add_message("C_ONCALL", "looking", user="U0AGENT", thread_ts=posted["ts"])
        assert (await sender.event(event)).status == 200
        forged = await sender.raw(slash_command_body("/ticket", "x"), {
            "Content-Type": "application/x-www-form-urlencoded", **sign(b"other", SECRET)})
        assert forged.status == 401
        await until(lambda: len(seen) == 3, what="the event listener (it runs after Bolt answered)")
        assert seen == ["VPN down", "7", "looking"]
    finally:
        await sender.close()
        await runner.cleanup()
