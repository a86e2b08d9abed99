"""Keep PagerDuty's on-call answer in the database, so that paging decides from it.

Every few minutes (``bot/jobs.py``) ``refresh_pagerduty_roster`` asks ``GET /oncalls``
(with ``include[]=users``, for the emails) for the next two weeks, finds each person in
Slack by email (``users.lookupByEmail``) and stores the entries in ``oncall_snapshots``.
When PagerDuty does not answer, the failure is stored instead, and
``workflows/paging/roster.py`` pages from the rotation until PagerDuty answers again.
Two replicas refreshing at once write the same answer: harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from models.oncall_queries import store_snapshot
from workflows.deps import Deps
from workflows.paging.roster import PAGERDUTY
from workflows.ports import PagerDutyError

log = logging.getLogger(__name__)

__all__ = ["LOOKAHEAD", "REFRESH_EVERY", "refresh_pagerduty_roster"]

LOOKAHEAD = timedelta(days=14)
REFRESH_EVERY = timedelta(minutes=2)


def _iso(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.isoformat() if parsed.tzinfo else None


async def _slack_ids(deps: Deps, emails: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for email in sorted(emails):
        try:
            answer = await deps.slack.users_lookupByEmail(email=email)
        except SlackApiError as error:
            log.warning("PagerDuty's on-call %s has no Slack account I can find: %s", email,
                        error.response.get("error"))
            continue
        user = answer.get("user") or {}
        if user.get("id"):
            found[email] = user["id"]
    return found


async def _store(deps: Deps, now: datetime, **values: Any) -> None:
    async with deps.sessions.begin() as db:
        await store_snapshot(db, PAGERDUTY, values)


async def refresh_pagerduty_roster(*, deps: Deps) -> bool | None:
    """Ask PagerDuty who is on call and store it; True stored, False PagerDuty failed,
    None PagerDuty is not configured for it."""
    settings, gateway = deps.config.oncall.pagerduty, deps.pagerduty
    if settings is None or gateway is None or not gateway.reads_oncall:
        return None
    now = deps.clock()
    try:
        oncalls = await gateway.oncalls(since=now, until=now + LOOKAHEAD, schedule_id=settings.schedule_id,
                                        escalation_policy_id=settings.escalation_policy_id, include_users=True)
    except PagerDutyError as error:
        log.warning("PagerDuty's on-call could not be read (%s); paging from app.yaml's rotation", error)
        await _store(deps, now, failed_at=now, error=str(error)[:500])
        return False
    users = [item.get("user") if isinstance(item.get("user"), dict) else {} for item in oncalls]
    ids = await _slack_ids(deps, {str(u["email"]).strip() for u in users if u.get("email")})
    entries = []
    for item, user in zip(oncalls, users, strict=True):
        level = item.get("escalation_level")
        if not isinstance(level, int):
            continue
        entries.append({"level": level, "user": ids.get(str(user.get("email") or "").strip()),
                        "name": str(user.get("name") or user.get("summary") or user.get("id") or ""),
                        "start": _iso(item.get("start")), "end": _iso(item.get("end"))})
    await _store(deps, now, fetched_at=now, failed_at=None, error=None, entries={"entries": entries})
    return True
