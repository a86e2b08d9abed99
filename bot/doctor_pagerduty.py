"""``supportbot doctor``'s PagerDuty checks: nothing is sent to on-call.

- ``PAGERDUTY_ROUTING_KEY``: an Events API v2 integration key is 32 letters and digits.
  Only its shape is checked: the Events API has no call that tests a key without
  creating an alert.
- ``PAGERDUTY_API_TOKEN``: ``GET /abilities`` (read-only) through the gateway's REST client.
- ``PAGERDUTY_WEBHOOK_SECRET``: required whenever PagerDuty is set up at all, since
  acknowledgements made there come back through ``POST /pagerduty/webhook``, which refuses
  every request without it.
"""

from __future__ import annotations

import re

from workflows.policy.schema import AppConfig
from bot.doctor_checks import CheckResult, failed, passed
from bot.pagerduty_gateway import PagerDutyGateway
from bot.settings import Settings
from workflows.ports import PagerDutyError

__all__ = ["ROUTING_KEY_SHAPE", "check_pagerduty"]

ROUTING_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{32}")


async def check_pagerduty(settings: Settings, config: AppConfig | None) -> list[CheckResult]:
    key, token = settings.pagerduty_routing_key, settings.pagerduty_api_token
    wants_oncall = config is not None and config.oncall.pagerduty is not None
    if not key and not token and not wants_oncall:
        return [passed("PagerDuty not configured: pages go to Slack only (the on-call channel and a DM)")]
    results = []
    if key:
        results.append(_check_routing_key(key))
    if token:
        results.append(await _check_api_token(settings))
    elif wants_oncall:
        results.append(failed("oncall.pagerduty is set in app.yaml but PAGERDUTY_API_TOKEN is not",
                              "set PAGERDUTY_API_TOKEN (a read-only REST API key), or remove oncall.pagerduty"))
    results.append(_check_webhook_secret(settings))
    return results


def _check_routing_key(key: str) -> CheckResult:
    if ROUTING_KEY_SHAPE.fullmatch(key):
        return passed("PAGERDUTY_ROUTING_KEY has the shape of an Events API v2 integration key "
                      "(32 letters and digits; no test event sent)")
    return failed(f"PAGERDUTY_ROUTING_KEY is not an Events API v2 integration key ({len(key)} characters, "
                  "expected 32 letters and digits)",
                  "copy the Integration Key of the service's Events API V2 integration "
                  "(PagerDuty > Services > your service > Integrations)")


async def _check_api_token(settings: Settings) -> CheckResult:
    gateway = PagerDutyGateway(routing_key=None, events_url=settings.pagerduty_events_url,
                               api_token=settings.pagerduty_api_token, api_url=settings.pagerduty_api_url)
    try:
        await gateway.abilities()
    except PagerDutyError as error:
        if error.status in (401, 403):
            return failed(f"PAGERDUTY_API_TOKEN refused by PagerDuty ({error.status})",
                          "create a read-only REST API key (PagerDuty > Integrations > API Access Keys)")
        return failed(f"PagerDuty REST API at {settings.pagerduty_api_url} failed: {error}",
                      "check PAGERDUTY_API_URL (default https://api.pagerduty.com) and the network")
    return passed(f"PAGERDUTY_API_TOKEN accepted (GET /abilities at {settings.pagerduty_api_url})")


def _check_webhook_secret(settings: Settings) -> CheckResult:
    if settings.pagerduty_webhook_secret:
        return passed("PAGERDUTY_WEBHOOK_SECRET set: PagerDuty webhooks are verified")
    return failed("PAGERDUTY_WEBHOOK_SECRET not set: POST /pagerduty/webhook refuses every request, so "
                  "acknowledgements made in PagerDuty never reach Slack",
                  "add a v3 webhook subscription (incident.acknowledged, incident.resolved) pointing at "
                  "https://<your host>/pagerduty/webhook and set PAGERDUTY_WEBHOOK_SECRET to its signing secret")
