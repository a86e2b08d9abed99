"""The page mirror builder, and the PagerDuty gateway's URL and error rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pagerduty
import pytest

from bot.pagerduty_gateway import PagerDutyGateway, _EventsClient, iso_timestamp
from workflows.ports import PagerDutyRejected, PagerDutyRetryable
from workflows.paging.ids import PageAction, PageBlock
from models.pages import PageStatus
from tests.fakes.slack_views import validate_message_blocks
from tests.ticket_steps import mrkdwn_texts
from workflows.paging.messages import (
    PageView,
    Repaged,
    already_answer,
    build_page_message,
    page_fallback_text,
    repage_channel_note,
)

AT = datetime(2026, 11, 25, 15, tzinfo=UTC)


def view(**changes) -> PageView:
    values = dict(page_id=7, label="Ticket #42", priority="P1 · High", summary="Pay <!channel> & <@U0X>",
                  reasons=("SLA breach", "Escalated: <!here> please"), permalink="https://fake.slack.com/archives/C1/p1",
                  war_room=None, status=PageStatus.TRIGGERED, paged_at=AT, paged_user_id="U0PRIMARY1")
    values.update(changes)
    return PageView(**values)


def test_an_open_page_has_exactly_two_buttons_and_escapes_user_text():
    blocks = build_page_message(view())
    assert validate_message_blocks(blocks) == []
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == PageBlock.PAGE_ACTIONS
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (PageAction.PAGE_ACKNOWLEDGE, "7"), (PageAction.PAGE_RESOLVE, "7")]
    text = " ".join(mrkdwn_texts(blocks))
    assert "&lt;!channel&gt; &amp; &lt;@U0X&gt;" in text and "&lt;!here&gt; please" in text
    assert "<!channel>" not in text and "<!here>" not in text and "<@U0X>" not in text
    assert "<@U0PRIMARY1>" in text and "<!date^" in text


def test_acknowledged_and_resolved_pages():
    acked = view(status=PageStatus.ACKNOWLEDGED, acknowledged_by="U0AGENT", acknowledged_at=AT)
    assert "Acknowledged* by <@U0AGENT> at <!date^" in " ".join(mrkdwn_texts(build_page_message(acked)))
    assert already_answer(acked).startswith("Ticket #42: already acknowledged by <@U0AGENT>")
    in_pd = view(status=PageStatus.ACKNOWLEDGED, acknowledged_in_pagerduty_by="Jane <x>", acknowledged_at=AT)
    assert "in PagerDuty by Jane &lt;x&gt;" in already_answer(in_pd)
    resolved = build_page_message(view(status=PageStatus.RESOLVED, resolved_at=AT))
    assert not [b for b in resolved if b["type"] == "actions"]


def test_re_pages_and_notification_texts():
    climbed = view(repaged=(Repaged("U0SECOND01", None, AT + timedelta(minutes=15)),
                            Repaged(None, "C0TIER1FL", AT + timedelta(minutes=30))))
    text = " ".join(mrkdwn_texts(build_page_message(climbed)))
    assert "re-paged <@U0SECOND01>" in text and "everyone in <#C0TIER1FL>" in text and "<!here>" not in text
    assert page_fallback_text(view(), mention="U0PRIMARY1").startswith("<@U0PRIMARY1> Page: Ticket #42")
    assert "<!channel>" not in page_fallback_text(view())
    note = repage_channel_note(view(), window=timedelta(minutes=15))
    assert note.startswith("<!here>") and "15m" in note


def test_the_events_client_accepts_http_but_nothing_else():
    assert _EventsClient("key", base_url="http://127.0.0.1:9").url == "http://127.0.0.1:9"
    assert _EventsClient("key").url == "https://events.pagerduty.com"
    with pytest.raises(pagerduty.UrlError):
        _EventsClient("key", base_url="ftp://example.com")


async def test_the_gateway_refuses_bad_events_before_sending():
    gateway = PagerDutyGateway(routing_key="key", events_url="http://127.0.0.1:9")
    with pytest.raises(PagerDutyRejected):
        await gateway.trigger(dedup_key="k", summary="s", source="supportbot", severity="fatal", timestamp=AT)
    with pytest.raises(PagerDutyRejected):
        await gateway.acknowledge("x" * 256)
    with pytest.raises(PagerDutyRejected):
        await PagerDutyGateway(routing_key=None, events_url="http://127.0.0.1:9").resolve("k")
    assert iso_timestamp(AT) == "2026-11-25T15:00:00.000Z"


async def test_an_unreachable_pagerduty_is_retryable():
    gateway = PagerDutyGateway(routing_key="key", events_url="http://127.0.0.1:9", timeout=1.0)
    with pytest.raises(PagerDutyRetryable) as caught:
        await gateway.resolve("supportbot-ticket-1")
    assert caught.value.retryable and "unreachable" in str(caught.value)
