"""``supportbot doctor``'s status page check: nothing is published.

With ``statuspage`` in app.yaml, ``STATUSPAGE_API_KEY`` must be set and accepted:
``GET /v1/pages/{page_id}`` (read-only) through the gateway says whether the key works
(401/403) and the page exists (404). A key without the section is pointless: said too.
"""

from __future__ import annotations

from bot.doctor_checks import CheckResult, failed, passed
from bot.settings import Settings
from bot.statuspage_gateway import StatusPageGateway
from workflows.policy.schema import AppConfig
from workflows.ports import StatusPageError

__all__ = ["check_statuspage"]


async def check_statuspage(settings: Settings, config: AppConfig | None) -> list[CheckResult]:
    page = config.statuspage if config is not None else None
    key = settings.statuspage_api_key
    if page is None:
        if key and config is not None:
            return [failed("STATUSPAGE_API_KEY is set but app.yaml has no statuspage section, so nothing is "
                           "published", "add statuspage: {page_id: …, components: {…}} to app.yaml, or unset the key")]
        return []
    if not key:
        return [failed("statuspage is set in app.yaml but STATUSPAGE_API_KEY is not: `/incident external` "
                       "publishes nothing", "set STATUSPAGE_API_KEY to an API key of a user with access to the "
                                            "page (manage.statuspage.io > your avatar > API info)")]
    gateway = StatusPageGateway(api_key=key, api_url=settings.statuspage_api_url)
    try:
        found = await gateway.page(page.page_id)
    except StatusPageError as error:
        if error.status in (401, 403):
            return [failed(f"STATUSPAGE_API_KEY refused by Statuspage ({error.status})",
                           "create an API key (manage.statuspage.io > your avatar > API info) and set it")]
        if error.status == 404:
            return [failed(f"statuspage.page_id {page.page_id} not found with this key",
                           "copy the page id from the page's API info, and check the key's user can see the page")]
        return [failed(f"Statuspage API at {settings.statuspage_api_url} failed: {error}",
                       "check STATUSPAGE_API_URL (default https://api.statuspage.io) and the network")]
    finally:
        await gateway.close()
    name = found.get("name") or page.page_id
    return [passed(f"STATUSPAGE_API_KEY accepted: page {name} ({page.page_id}) at {settings.statuspage_api_url}")]
