"""Telling the executives of a severe incident (``incidents.executives``; practice 001:
"executives informed of a P0 within 15 minutes").

One notice when an incident of one of ``priorities`` is still open ``after`` its
declaration (``after: 0s``: as soon as it is declared), and one when that incident is
resolved. An incident resolved before ``after`` troubles nobody. Each notice goes to
every ``notify`` target: a user gets a DM, each member of a user group a DM, a channel
a post, owed through the outbox. A sweep (``bot/jobs.py``) claims each notice with a
conditional update (``… WHERE executives_notified_at IS NULL``) in the transaction that
owes it, so two replicas or a restart send it once.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from models.incident_queries import claim_incident_notice, incidents_owing_executives
from workflows.deps import Deps
from workflows.incidents.messages.executives import executives_open_text, executives_resolved_text
from workflows.outbox.enqueue import deliver_outbox, owe_post

log = logging.getLogger(__name__)

__all__ = ["notify_executives"]


async def _recipients(deps: Deps, targets: list[str]) -> list[str]:
    """Users and channels to post to; a user group's members, each."""
    found: list[str] = []
    for target in targets:
        if not target.startswith("S"):
            found.append(target)
            continue
        try:
            if deps.user_groups is not None:
                found += sorted(await deps.user_groups.members(deps.slack, target, clock=deps.clock))
            else:
                found += list((await deps.slack.usergroups_users_list(usergroup=target)).get("users") or [])
        except SlackApiError as error:
            log.warning("executives: user group %s not read (%s); its members are not told", target,
                        error.response.get("error"))
    return list(dict.fromkeys(found))


async def notify_executives(*, deps: Deps, limit: int = 20) -> int:
    """Sweep: owe the executives' notices that fell due; the number of incidents noticed."""
    settings = deps.config.incidents.executives
    if settings is None:
        return 0
    now = deps.clock()
    async with deps.sessions() as db:
        opened, resolved = await incidents_owing_executives(
            db, priorities=settings.priorities, declared_before=now - settings.after, limit=limit)
    if not opened and not resolved:
        return 0
    recipients = await _recipients(deps, settings.notify)
    sent = 0
    for incident_id, column in [(i, "executives_notified_at") for i in opened] + \
                               [(i, "executives_resolution_notified_at") for i in resolved]:
        async with deps.sessions.begin() as db:
            incident = await claim_incident_notice(db, incident_id, column, now=now)
            if incident is None:
                continue  # another replica did, or it changed meanwhile
            if column == "executives_notified_at":
                text = executives_open_text(incident, after=settings.after)
            else:
                text = executives_resolved_text(incident, resolved_at=incident.resolved_at or now)
            for target in recipients:
                await owe_post(db, channel=target, text=text, now=now)
        sent += 1
        log.info("executives told of incident %s (%s)", incident_id, column)
    await deliver_outbox(deps)
    return sent
