"""``supportbot doctor``'s status page checks: the key, and what is owed to the page.

With ``statuspage`` in app.yaml, ``STATUSPAGE_API_KEY`` must be set and accepted:
``GET /v1/pages/{page_id}`` (read-only) through the gateway says whether the key works
(401/403) and the page exists (404). A key without the section is pointless: said too.

Then, once the database check passed (``check_statuspage_updates``), the updates owed to
the page (``models/statuspage_updates.py``) as the outbox's check lists Slack messages:
those still waiting to be sent (each with its attempts, next try and last error; one the
sender has not failed on yet and that is under a minute old is just being sent), and
those the status page refused in the last day (given up on: not published).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.database import make_engine, make_session_factory
from bot.doctor_checks import CheckResult, failed, passed
from bot.settings import Settings
from bot.statuspage_gateway import StatusPageGateway
from models.statuspage_queries import failed_statuspage_updates, waiting_statuspage_updates
from models.statuspage_updates import StatuspageUpdate, StatuspageUpdateKind
from workflows.policy.schema import AppConfig
from workflows.ports import StatusPageError

__all__ = ["FAILED_WINDOW", "JUST_OWED", "SHOWN", "check_statuspage", "check_statuspage_updates"]

FAILED_WINDOW = timedelta(days=1)
JUST_OWED = timedelta(minutes=1)  # the sender's lease (workflows/incidents/statuspage.py LEASE)
SHOWN = 10  # listed; the count says how many there were
WAITING_FIX = ("the bot retries each until Statuspage takes it, in order per incident, while `supportbot serve` "
               "runs: 401/403: set a valid STATUSPAGE_API_KEY; 5xx or network errors: Statuspage or the way to it "
               "is down (check STATUSPAGE_API_URL); nothing is lost meanwhile")
REFUSED_FIX = ("read each error (an unknown component id or page: fix statuspage in app.yaml), then publish again "
               "with `/incident external …` in the war room; a refused resolution: resolve it on the page by hand")


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


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def _what(row: StatuspageUpdate) -> str:
    kind = "resolution" if row.kind == StatuspageUpdateKind.RESOLVE else "customer update"
    return f"#{row.id} the {kind} of incident #{row.incident_id}"


def _waiting(row: StatuspageUpdate) -> str:
    error = f", last error: {row.last_error[:200]}" if row.last_error else ""
    return (f"{_what(row)} owed {_when(row.created_at)}, {row.attempts} attempt(s), next try "
            f"{_when(row.next_attempt_at)}{error} — {' '.join(row.body.split())[:80]!r}")


def _refused(row: StatuspageUpdate) -> str:
    return f"{_what(row)} at {_when(row.failed_at)}: {(row.last_error or '?')[:200]} — {' '.join(row.body.split())[:80]!r}"


def _listed(rows: list[StatuspageUpdate], count: int, describe) -> str:
    more = f"\n    … and {count - len(rows)} more" if count > len(rows) else ""
    return "".join(f"\n    {describe(row)}" for row in rows) + more + "\n "


async def check_statuspage_updates(url: str, config: AppConfig | None, *,
                                   now: datetime | None = None) -> list[CheckResult]:
    """What is owed to the status page: waiting, and refused in the last day. Nothing is said
    without ``statuspage`` in app.yaml unless updates are owed all the same."""
    now = now or datetime.now(UTC)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            waiting, oldest = await waiting_statuspage_updates(db, limit=SHOWN)
            refused, latest = await failed_statuspage_updates(db, since=now - FAILED_WINDOW, limit=SHOWN)
    except SQLAlchemyError as error:
        return [failed(f"status page updates unreadable ({type(error).__name__})", "check the database (see above)")]
    finally:
        await engine.dispose()
    configured = config is not None and config.statuspage is not None
    results: list[CheckResult] = []
    if waiting:
        stuck = waiting > len(oldest) or any(r.attempts > 0 or r.last_error or r.created_at < now - JUST_OWED
                                             for r in oldest)
        text = f"Status page: {waiting} update(s) waiting to be sent:{_listed(oldest, waiting, _waiting)}"
        results.append(failed(text, WAITING_FIX) if stuck else passed(text.rstrip()))
    if refused:
        results.append(failed(f"Status page: {refused} update(s) refused in the last day, not published:"
                              f"{_listed(latest, refused, _refused)}", REFUSED_FIX))
    if not results and configured:
        results.append(passed("Status page: no update waiting to be sent, none refused in the last day"))
    return results
