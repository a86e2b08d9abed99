"""Replaying events that were acknowledged to Slack but never processed.

Slack's events are acknowledged (HTTP 200) before their listener runs, so a process that
dies in between would lose, say, the first reply in a ticket thread — and with it the
stop of the first-response clock. ``bot/app.py`` keeps the body of such events until
they are processed: in the transaction of the change they cause (a thread reply,
``workflows/tickets/thread.py``), else when their listener has finished
(``handlers/errors.answers_errors``). A listener still sending the change's messages to
a slow Slack has processed its event already. This sweep dispatches each event left
unprocessed once more through the Bolt app, at most once (claimed in the database), on
whichever replica gets there first; should the first run still commit after all, only
one of the two records the change.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.runtime import Runtime
from models.deliveries import claim_replay, unprocessed_events

log = logging.getLogger(__name__)

#: Marks a dispatch as a replay (the de-duplication middleware lets it through). It is
#: a key of the Bolt request's context, which only this process sets: nothing a request
#: carries (a header, a field of its body) can make it skip de-duplication.
REPLAY_CONTEXT_KEY = "supportbot_replay"
#: An event still unprocessed this long after it arrived was lost (listeners take seconds).
LOST_AFTER = timedelta(minutes=2)
REPLAY_EVERY = timedelta(seconds=30)


async def replay_lost_events(runtime: Runtime, app: AsyncApp) -> int:
    """Dispatch every lost event once more; how many were replayed."""
    now = runtime.clock()
    async with runtime.sessions() as db:
        lost = await unprocessed_events(db, now - LOST_AFTER)
    replayed = 0
    for event_id in lost:
        async with runtime.sessions.begin() as db:
            body = await claim_replay(db, event_id, now)
        if body is None:
            continue
        log.warning("event %s was acknowledged but never processed (the process stopped?); replaying it", event_id)
        request = AsyncBoltRequest(body=json.loads(body), context={REPLAY_CONTEXT_KEY: True}, mode="socket_mode")
        response = await app.async_dispatch(request)
        if response.status >= 400:
            log.error("replay of event %s answered %s", event_id, response.status)
        replayed += 1
    return replayed
