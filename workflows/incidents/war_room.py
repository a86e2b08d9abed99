"""The Slack side of an incident after it is open: its posts, owed through the outbox.

Opening the war room (creating the channel, inviting, posting and pinning the
declaration, announcing it), later invites and the re-render of the topic, the pinned
declaration and the announcement go through the outbox step by step, in the
incident's own lane (``workflows/incidents/war_room_steps.py``); the posts here go to
the channels' lanes. All are owed in the transaction of the change they announce.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.incidents import Incident
from workflows.policy.schema import AppConfig
from workflows.incidents.render import RenderContext, load_render_context
from workflows.outbox.enqueue import owe_post

__all__ = ["RenderContext", "load_render_context", "owe_in_both", "owe_in_war_room", "owe_to_incidents_channel"]

async def owe_in_war_room(db: AsyncSession, incident: Incident, text: str, *, now: datetime,
                          blocks: list[dict[str, Any]] | None = None) -> None:
    """A message to the war room, owed in the caller's transaction (``workflows/outbox/enqueue.py``);
    nothing once the room is archived (or its archive owed: ``workflows/incidents/archive.py``)."""
    if incident.channel_id and incident.archive_owed_at is None:
        await owe_post(db, channel=incident.channel_id, text=text, blocks=blocks, now=now)


async def owe_to_incidents_channel(db: AsyncSession, config: AppConfig, incident: Incident, text: str, *,
                                   now: datetime, blocks: list[dict[str, Any]] | None = None,
                                   broadcast: bool = True) -> None:
    """A reply under the announcement (``broadcast``: shown in the channel too), owed.
    Nothing for a private incident: its announcement carries no details, nor do replies."""
    if incident.private:
        return
    channel = incident.announcement_channel_id or config.channels.incidents
    extra: dict[str, Any] = {}
    if incident.announcement_ts:
        extra.update(thread_ts=incident.announcement_ts, reply_broadcast=broadcast)
    await owe_post(db, channel=channel, text=text, blocks=blocks, now=now, **extra)


async def owe_in_both(db: AsyncSession, config: AppConfig, incident: Incident, text: str, *, now: datetime,
                      broadcast: bool = True) -> None:
    """The same news in the war room and under the announcement in the incidents channel."""
    await owe_in_war_room(db, incident, text, now=now)
    await owe_to_incidents_channel(db, config, incident, text, now=now, broadcast=broadcast)
