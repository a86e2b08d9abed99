"""The on-call hand-over: at each turn, one message saying who hands over to whom, with
what is open, exactly once across replicas and restarts; and the on-call user group.

A sweep (``bot/jobs.py``, every minute) compares who is on call now
(``workflows/paging/roster.py``: PagerDuty's shift, the rotation's or an override) with
the last hand-over stored in ``oncall_handovers``. When they differ it claims the next
row (unique ``previous_id``: of two replicas one inserts it) and, in the same
transaction, owes the message to ``oncall.handoff_channel`` (default the on-call
channel) through the outbox, with the open pages, open incidents and open P0/P1 tickets.
The very first row only records who is on call: nobody handed over to them. While
PagerDuty is configured but not answering, nothing is handed over (the rotation standing
in for it is not a turn).

With ``oncall.usergroup`` the group's members are set to the new primary and secondary
(``usergroups.users.update``); a failure is retried by the next sweep until Slack takes it.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from models.oncall import OncallEventKind, OncallHandover
from models.oncall_queries import add_oncall_event, claim_handover, latest_handover, mark_usergroup_synced, open_work
from models.pages import PageStatus, PageSubjectKind
from models.tickets import Ticket
from workflows.deps import Deps
from workflows.outbox.enqueue import deliver_outbox, owe_post
from workflows.paging.handover_messages import HandoverItem, build_handover_message
from workflows.paging.roster import on_duty
from workflows.paging.subjects import load_subject

log = logging.getLogger(__name__)

__all__ = ["hand_over_if_turned", "sync_oncall_usergroup"]


async def _open_items(db: AsyncSession, deps: Deps) -> dict[str, list[HandoverItem]]:
    work = await open_work(db)
    pages = []
    for page in work.pages:
        subject = await load_subject(db, deps.config, page.subject_kind, page.subject_id)
        if subject is None:
            continue
        state = "acknowledged" if page.status == PageStatus.ACKNOWLEDGED else "waiting for an acknowledgement"
        ticket = await db.get(Ticket, page.subject_id) if page.subject_kind == PageSubjectKind.TICKET else None
        private = ticket is not None and ticket.private
        pages.append(HandoverItem(label=subject.label, priority=subject.priority,
                                  summary=None if private else subject.summary, url=subject.permalink,
                                  channel_id=subject.war_room, state=state))
    incidents = [HandoverItem(label=f"Incident #{i.id}", priority=i.priority, summary=None if i.private else i.title,
                              channel_id=i.channel_id) for i in work.incidents]
    tickets = [HandoverItem(label=f"Ticket #{t.number}", priority=t.priority,
                            summary=None if t.private else t.summary, url=t.permalink) for t in work.tickets]
    return {"pages": pages, "incidents": incidents, "tickets": tickets}


async def hand_over_if_turned(*, deps: Deps) -> OncallHandover | None:
    """Sweep: record (and announce) the hand-over if who is on call changed; the new row."""
    now = deps.clock()
    async with deps.sessions.begin() as db:
        duty = await on_duty(db, deps.config, now)
        if duty.source == "rotation_fallback":
            return None
        last = await latest_handover(db)
        if last is not None and (last.to_primary, last.to_secondary) == (duty.primary, duty.secondary):
            return None
        row = await claim_handover(db, {
            "previous_id": last.id if last else 0, "at": now, "source": duty.source,
            "from_primary": last.to_primary if last else None, "from_secondary": last.to_secondary if last else None,
            "to_primary": duty.primary, "to_secondary": duty.secondary, "announced": last is not None,
            "usergroup_synced_at": None if deps.config.oncall.usergroup else now,
        })
        if row is None:
            return None  # another replica handed over first
        if last is not None:
            text, blocks = build_handover_message(
                from_primary=row.from_primary, from_secondary=row.from_secondary, to_primary=row.to_primary,
                to_secondary=row.to_secondary, **await _open_items(db, deps))
            channel = deps.config.oncall.handoff_channel or deps.config.channels.oncall
            await owe_post(db, channel=channel, text=text, blocks=blocks, now=now)
            add_oncall_event(db, OncallEventKind.HANDED_OVER, actor_id=None, at=now, detail={
                "handover_id": row.id, "source": row.source, "from": [row.from_primary, row.from_secondary],
                "to": [row.to_primary, row.to_secondary]})
            log.info("on-call hand-over %s: %s -> %s (%s)", row.id, row.from_primary, row.to_primary, row.source)
    if row.announced:
        await deliver_outbox(deps)
    await sync_oncall_usergroup(deps=deps)
    return row


async def sync_oncall_usergroup(*, deps: Deps) -> bool:
    """Set ``oncall.usergroup`` to the latest hand-over's people if still owed; True when set now."""
    group = deps.config.oncall.usergroup
    if group is None:
        return False
    async with deps.sessions() as db:
        last = await latest_handover(db)
    if last is None or last.usergroup_synced_at is not None:
        return False
    users = [u for u in dict.fromkeys((last.to_primary, last.to_secondary)) if u]
    if not users:
        return False
    try:  # direct: not a message; owed by the hand-over's row, retried by each sweep until marked synced
        await deps.slack.usergroups_users_update(usergroup=group, users=",".join(users))
    except SlackApiError as error:
        log.warning("on-call user group %s not updated (%s); the next sweep retries", group,
                    error.response.get("error"))
        return False
    async with deps.sessions.begin() as db:
        await mark_usergroup_synced(db, last.id, now=deps.clock())
    log.info("on-call user group %s is now %s", group, ", ".join(users))
    return True
