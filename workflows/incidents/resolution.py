"""Resolving an incident and its post-mortem draft.

`/incident resolve [summary]` stops both cadences (the due times are cleared in the
transaction that resolves, so no reminder can be claimed after it), records the
resolution with its duration, and after commit: posts the resolution in the war room
and the incidents channel, updates the topic, the pinned declaration and the
announcement, resolves the page (Events v2 ``resolve``), resolves the incident on the
status page if customers were told there (``workflows/incidents/statuspage.py``) and
posts the post-mortem draft for the commander. `/incident postmortem` posts the draft again.
"""

from __future__ import annotations

from models.incident_action_queries import action_items
from models.incident_queries import add_incident_event, get_incident, incident_events
from models.incidents import IncidentEventKind, IncidentStatus
from workflows.access.authority import Operation
from workflows.incidents.messages.posts import resolution_text
from workflows.incidents.messages.postmortem import (
    build_postmortem_message,
    postmortem_text,
)
from workflows.deps import Deps
from workflows.errors import InvalidRequest, InvalidState
from workflows.incidents.changes import incident_in_channel, refresh_after_change
from workflows.incidents.rules import TEXT_MAX
from workflows.incidents.statuspage import owe_resolution_on_statuspage, publish_after_commit
from workflows.incidents.war_room import (
    load_render_context,
    owe_in_both,
    owe_in_war_room,
)
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.actions import resolve_pages_for_incident
from workflows.access.guard import authorize_incident_action
from workflows.access.roles import roles_of

__all__ = ["resolve_incident", "repost_postmortem", "post_postmortem"]


async def resolve_incident(*, deps: Deps, channel_id: str, user_id: str, summary: str | None = None) -> None:
    summary = (summary or "").strip() or None
    if summary and len(summary) > TEXT_MAX:
        raise InvalidRequest(f"Keep the resolution summary to {TEXT_MAX} characters.")
    actor = await roles_of(deps=deps, user_id=user_id)
    now = deps.clock()
    async with deps.sessions.begin() as db:
        incident = await incident_in_channel(db, channel_id, "resolve")
        await authorize_incident_action(db, deps=deps, actor=actor, operation=Operation.RESOLVE_INCIDENT,
                                        incident=incident)
        incident.status = IncidentStatus.RESOLVED
        incident.resolved_at, incident.resolved_by, incident.summary = now, user_id, summary
        incident.next_update_due_at = incident.next_external_update_due_at = None
        incident.postmortem_due_at = now + deps.config.incidents.postmortem_due
        add_incident_event(db, incident, IncidentEventKind.RESOLVED, actor_id=user_id, at=now, detail={
            "summary": summary, "duration_seconds": int((now - incident.declared_at).total_seconds()),
        })
        text = resolution_text(incident)
        await owe_in_both(db, deps.config, incident, text, now=now)
        await owe_resolution_on_statuspage(db, deps, incident, now=now)
    await deliver_outbox(deps)
    await refresh_after_change(deps, incident.id, topic=True)
    await resolve_pages_for_incident(deps=deps, incident_id=incident.id)
    await publish_after_commit(deps=deps, incident_id=incident.id)
    await post_postmortem(deps=deps, incident_id=incident.id, actor_id=user_id)


async def post_postmortem(*, deps: Deps, incident_id: int, actor_id: str | None) -> None:
    """Post the post-mortem draft in the war room, built from the timeline; record it."""
    async with deps.sessions.begin() as db:
        incident = await get_incident(db, incident_id)
        assert incident is not None
        events = await incident_events(db, incident_id)
        context = await load_render_context(db, deps.config, incident)
        now = deps.clock()
        actions = await action_items(db, incident_id)
        await owe_in_war_room(db, incident, postmortem_text(incident), now=now,
                              blocks=build_postmortem_message(incident, deps.config, events, ticket=context.ticket,
                                                              actions=actions))
        add_incident_event(db, incident, IncidentEventKind.POSTMORTEM_POSTED, actor_id=actor_id, at=now)
    await deliver_outbox(deps)


async def repost_postmortem(*, deps: Deps, channel_id: str, user_id: str) -> None:
    """`/incident postmortem`: the draft again (once the incident is resolved)."""
    async with deps.sessions() as db:
        incident = await incident_in_channel(db, channel_id, "postmortem", lock=False, open_only=False)
    if incident.status != IncidentStatus.RESOLVED:
        raise InvalidState(f"Incident #{incident.id} is still open; the post-mortem draft is posted when you "
                           "`/incident resolve [summary]`.")
    await post_postmortem(deps=deps, incident_id=incident.id, actor_id=user_id)
