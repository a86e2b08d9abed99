"""The SLA engine: fires each due warning, breach, management notice and timed
escalation exactly once.

One notification per transaction: claim the row (conditional UPDATE), check that the
effect still applies, and record it (``workflows/sla/effects.py``): the timeline, an
escalation the escalation matrix asks for, and what is owed to Slack (the outbox): the
notice for the ticket's thread and the tier channel (one message per place that says
everything) and the escalation request to the new tier. Once every due row is claimed,
the outbox is sent and the pages recorded are announced. The tier
channel's notice is marked for a digest: in a storm the channel gets one message
listing the notices waiting for it (``workflows/sla/messages.py``), each thread
still its own notice.

A notification whose transaction fails on a transient database error (a deadlock, a
dropped connection, SQLite's lock held too long: ``models/db_errors.py``) was rolled
back unclaimed: the sweep stops there and the next one tries it again. One that fails
on anything else cannot succeed however often it is tried: it is set aside (claimed
without its effect, logged with the error) so the others go on, and the sweep's
:class:`SweepOutcome` says so for ``/metrics``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from models.db_errors import is_transient
from models.sla import SlaNotification
from models.sla_queries import claim, next_due_candidate, set_aside
from models.ticket_queries import get_ticket
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.pager import announce_page
from workflows.sla.effects import Fired, record_effect
from workflows.sla.plan import still_applies

log = logging.getLogger(__name__)

MAX_PER_SWEEP = 500


@dataclass
class SweepOutcome:
    """What a sweep leaves its timer to do (``bot/deadline_timer.py``)."""

    set_aside: list[str] = field(default_factory=list)  # kinds of the notifications set aside
    retry_later: bool = False  # stopped by a transient database error: the next sweep tries again


async def _claim_and_record(deps: Deps, claimed: list[int]) -> Fired | None | bool:
    """Claim one due row and record its effect. False: nothing was due. ``claimed``
    gets the id of the row once claimed, for the caller to set aside should this fail."""
    now = deps.clock()
    async with deps.sessions.begin() as db:
        candidate = await next_due_candidate(db, now)
        if candidate is None:
            return False
        ticket = await get_ticket(db, candidate[1], for_update=True)
        row: SlaNotification | None = await claim(db, candidate[0], now)
        if row is None:  # claimed by another process, or re-planned away meanwhile
            return None
        claimed.append(row.id)
        if ticket is None or not still_applies(row.kind, ticket, row.due_at):
            return None
        return await record_effect(db, deps, ticket, row, now)


async def fire_due_notifications(*, deps: Deps, outcome: SweepOutcome | None = None) -> int:
    """Fire every notification due now; each one is isolated from the others' failures
    (see the module docstring; ``outcome`` gets what the timer should know)."""
    outcome = outcome if outcome is not None else SweepOutcome()
    fired_count, pages = 0, []
    for _ in range(MAX_PER_SWEEP):
        claimed: list[int] = []
        try:
            fired = await _claim_and_record(deps, claimed)
        except Exception as error:
            if is_transient(error):  # rolled back, the row unclaimed
                log.warning("an SLA notification met a transient database error (%s); the next sweep tries again",
                            f"{type(error).__name__}: {error}"[:300])
                outcome.retry_later = True
                break
            if not claimed:
                log.exception("could not claim due SLA notifications; the next sweep retries")
                outcome.retry_later = True
                break
            if not await _set_aside(deps, claimed[0], error, outcome):
                break
            continue
        if fired is False:
            break
        if fired is None:
            continue
        fired_count += 1
        pages.extend((fired.number, page) for page in fired.pages)
    try:
        await deliver_outbox(deps)
    except Exception:
        log.exception("SLA notices were recorded and are owed to Slack; the outbox relay sends them")
    for number, page in pages:
        try:
            await announce_page(deps=deps, record=page)
        except Exception:
            log.exception("page for ticket #%s was recorded; its Slack side is retried by the sweep", number)
    return fired_count


async def _set_aside(deps: Deps, notification_id: int, error: Exception, outcome: SweepOutcome) -> bool:
    """Set aside a notification that cannot succeed; False when even that failed (the
    sweep stops, and the next one meets the notification again)."""
    try:
        async with deps.sessions.begin() as db:
            kind = await set_aside(db, notification_id, deps.clock())
    except Exception:
        log.exception("SLA notification %s failed and could not be set aside; the next sweep tries again",
                      notification_id)
        outcome.retry_later = True
        return False
    if kind is not None:
        log.error("SLA notification %s (%s) failed and is set aside, never sent, so the others go on",
                  notification_id, kind, exc_info=error)
        outcome.set_aside.append(str(kind))
    return True
