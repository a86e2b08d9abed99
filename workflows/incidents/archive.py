"""Archiving a resolved incident's war room (``incidents.archive_after``).

The war room is archived once ``archive_after`` has passed since the resolution and the
follow-through is done or its time is up: the post-mortem is marked done or was due
(``incidents.postmortem_due``), and every action item is done or past its due day. An
action item due later keeps the room open, since the room is where `/incident action
done N` is typed; one left open past its due day is named in the last message, and its
reminders (and the post-mortem's) stop with the archive (it can still be marked done by
the incident's number from anywhere: ``workflows/incidents/reference.py``).

A sweep (``bot/jobs.py``, with the follow-through reminders) claims each war room once
(``archive_owed_at``, set ``WHERE … IS NULL`` in the transaction that owes the Slack
calls, so two replicas or a restart never archive twice), then owes the last message and
``conversations.archive`` in the war room's own lane, after everything already owed to
it (``workflows/incidents/war_room_steps.py``); the archive records ``archived_at`` and
its timeline row once Slack took it. Nothing is posted to the room after that.
"""

from __future__ import annotations

import logging

from models.incident_action_queries import action_items
from models.incident_queries import claim_incident_notice, war_rooms_owing_archive
from workflows.deps import Deps
from workflows.incidents.messages.archive import archive_notice_text
from workflows.incidents.war_room_steps import owe_war_room_archive
from workflows.outbox.enqueue import deliver_outbox

log = logging.getLogger(__name__)

__all__ = ["archive_war_rooms"]


async def archive_war_rooms(*, deps: Deps, limit: int = 50) -> int:
    """Sweep: owe the archive of every war room whose time came; the number owed."""
    archive_after = deps.config.incidents.archive_after
    if archive_after is None:
        return 0
    now = deps.clock()
    today = now.astimezone(deps.config.zone).date()
    async with deps.sessions() as db:
        due = await war_rooms_owing_archive(db, resolved_before=now - archive_after, now=now, today=today,
                                            limit=limit)
    owed: list[str] = []
    for incident_id in due:
        try:
            async with deps.sessions.begin() as db:
                incident = await claim_incident_notice(db, incident_id, "archive_owed_at", now=now)
                if incident is None or not incident.channel_id:
                    continue
                actions = await action_items(db, incident_id)
                await owe_war_room_archive(db, incident, archive_notice_text(incident, actions), now=now)
            owed.append(incident.channel_id)
        except Exception:
            log.exception("archiving the war room of incident %s failed; the next sweep retries", incident_id)
    if owed:
        log.info("archiving %d war room(s)", len(owed))
        await deliver_outbox(deps, lanes=owed)
    return len(owed)
