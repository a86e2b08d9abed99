"""Hypothesis strategies for hostile PagerDuty webhooks at ``POST /pagerduty/webhook``:
JSON of any shape (an event, mutated; or not an event at all), bytes that are not JSON,
JSON nested too deeply, ``X-Webhook-Id`` headers from none to far too long, and
signatures: mostly valid for ``secret``, else none, of another secret, or garbage.

    body, headers, signed = draw(pagerduty_webhooks(secret=WEBHOOK_SECRET))
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.fakes.pagerduty import webhook_signature
from tests.hostile_payloads import FORM, JSON, JUNK, TEXT, mostly, mutated

NESTED = st.builds(lambda depth, brackets: (brackets[0] * depth + brackets[1] * depth).encode(),
                   st.sampled_from([65, 1_000, 20_000]), st.sampled_from([("[", "]"), ('{"a":[', "]}")]))


@st.composite
def pagerduty_webhooks(draw, *, secret: str) -> tuple[bytes, dict[str, str], bool]:
    """A webhook body (JSON of any shape, or not JSON), its headers, and whether they
    carry a valid signature."""
    incident = {"id": "PINC1", "incident_key": draw(mostly(st.sampled_from(["supportbot-ticket-1", "supportbot-ticket-x",
                                                                            "nope"]), JUNK)),
                "status": draw(TEXT)}
    event = {"id": "01ABC", "event_type": draw(mostly(st.sampled_from(["incident.acknowledged", "incident.resolved",
                                                                       "pagey.ping"]), JUNK)),
             "resource_type": "incident", "occurred_at": draw(TEXT), "agent": draw(mostly(
                 st.builds(lambda s: {"summary": s, "id": "PAGENT"}, TEXT), JUNK)),
             "data": draw(mostly(st.just(incident), JUNK))}
    payload = draw(mostly(mutated(st.just({"event": event})), JUNK, odds=4))
    body = draw(mostly(st.just(json.dumps(payload).encode()), st.one_of(st.binary(max_size=100), NESTED), odds=6))
    headers = {"Content-Type": draw(st.sampled_from([JSON, "text/plain", FORM]))}
    printable = st.characters(min_codepoint=0x20, max_codepoint=0x7e)
    webhook_id = draw(st.one_of(st.none(), st.uuids().map(str), st.text(printable, min_size=150, max_size=2000),
                                st.text(printable, max_size=40)))
    if webhook_id is not None:
        headers["X-Webhook-Id"] = webhook_id
    signature = draw(mostly(st.just(webhook_signature(body, secret)), st.sampled_from(
        [None, "v1=", "v1=" + "0" * 64, webhook_signature(body, "not-the-secret"), "garbage"]), odds=3))
    if signature is not None:
        headers["X-PagerDuty-Signature"] = signature
    return body, headers, signature == webhook_signature(body, secret)
