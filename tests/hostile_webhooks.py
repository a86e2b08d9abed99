"""Hypothesis strategies for hostile PagerDuty webhooks at ``POST /pagerduty/webhook``:
JSON of any shape (an event, mutated; or not an event at all), bytes that are not JSON,
and ``X-Webhook-Id`` headers from none to far too long."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.hostile_payloads import FORM, JSON, JUNK, TEXT, mostly, mutated


@st.composite
def pagerduty_webhooks(draw) -> tuple[bytes, dict[str, str]]:
    """A webhook body (JSON of any shape, or not JSON) and its headers."""
    incident = {"id": "PINC1", "incident_key": draw(mostly(st.sampled_from(["supportbot-ticket-1", "supportbot-ticket-x",
                                                                            "nope"]), JUNK)),
                "status": draw(TEXT)}
    event = {"id": "01ABC", "event_type": draw(mostly(st.sampled_from(["incident.acknowledged", "incident.resolved",
                                                                       "pagey.ping"]), JUNK)),
             "resource_type": "incident", "occurred_at": draw(TEXT), "agent": draw(mostly(
                 st.builds(lambda s: {"summary": s, "id": "PAGENT"}, TEXT), JUNK)),
             "data": draw(mostly(st.just(incident), JUNK))}
    payload = draw(mostly(mutated(st.just({"event": event})), JUNK, odds=4))
    body = draw(mostly(st.just(json.dumps(payload).encode()), st.binary(max_size=100), odds=6))
    headers = {"Content-Type": draw(st.sampled_from([JSON, "text/plain", FORM]))}
    printable = st.characters(min_codepoint=0x20, max_codepoint=0x7e)
    webhook_id = draw(st.one_of(st.none(), st.uuids().map(str), st.text(printable, min_size=150, max_size=2000),
                                st.text(printable, max_size=40)))
    if webhook_id is not None:
        headers["X-Webhook-Id"] = webhook_id
    return body, headers
