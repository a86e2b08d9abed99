"""The fake Slack's views.update, as Slack documents it: a new hash on every update,
``hash_conflict`` on a stale hash, ``not_found`` for a closed view, and input that is
kept only where block_id and action_id stay the same."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-test-token"


def form(*, intro: str | None = None, description_block: str = "desc") -> dict:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}] if intro else []
    blocks += [
        {"type": "input", "block_id": "summary", "label": {"type": "plain_text", "text": "Summary"},
         "element": {"type": "plain_text_input", "action_id": "summary"}},
        {"type": "input", "block_id": description_block, "label": {"type": "plain_text", "text": "Description"},
         "element": {"type": "plain_text_input", "action_id": "desc"}},
    ]
    return {"type": "modal", "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Send"}, "blocks": blocks}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.api_url)


async def test_an_update_with_the_current_hash_gives_a_new_hash(client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id="1.2.t", view=form()))["view"]
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=form(intro="hi")))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert updated["blocks"][0]["text"]["text"] == "hi"
    with pytest.raises(SlackApiError) as stale:  # the first hash is stale now
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=form(intro="again"))
    assert stale.value.response["error"] == "hash_conflict"
    again = (await client.views_update(view_id=opened["id"], view=form(intro="again")))["view"]  # no hash: no check
    assert again["hash"] != updated["hash"]


async def test_a_closed_or_unknown_view_is_not_found(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id="1.2.t", view=form()))["view"]
    fake.close_view(opened["id"])
    for view_id in (opened["id"], "V0NOSUCH"):
        with pytest.raises(SlackApiError) as gone:
            await client.views_update(view_id=view_id, hash=opened["hash"], view=form(intro="late"))
        assert gone.value.response["error"] == "not_found"


async def test_input_is_kept_where_block_and_action_ids_stay(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id="1.2.t", view=form()))["view"]
    fake.enter_in_view(opened["id"], {"Summary": "VPN down", "Description": "since 9am"})
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"],
                                         view=form(intro="hi", description_block="desc2")))["view"]
    assert updated["state"]["values"] == {"summary": {"summary": {"type": "plain_text_input", "value": "VPN down"}}}
    assert fake.views[opened["id"]]["state"] == updated["state"]


async def test_after_next_runs_between_the_answer_and_the_app(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.after_next("views.open", lambda answer: fake.close_view(answer["view"]["id"]))
    opened = (await client.views_open(trigger_id="1.2.t", view=form()))["view"]
    with pytest.raises(SlackApiError) as gone:
        await client.views_update(view_id=opened["id"], view=form(intro="late"))
    assert gone.value.response["error"] == "not_found"
    second = (await client.views_open(trigger_id="1.2.u", view=form()))["view"]  # once only
    assert (await client.views_update(view_id=second["id"], view=form(intro="ok")))["ok"]
