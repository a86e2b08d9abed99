"""Slack-only paging: a page nobody acknowledges climbs, one step per ack window.

Without a PagerDuty routing key a page DMs the rotation's primary and mentions them in
the on-call channel, due for an acknowledgement at ``ack_due_at`` (app.yaml
``oncall.ack_window``, per priority). Then, while nobody acknowledges it:

    level 1  the secondary: a DM, and a mention in the mirror's thread
    level 2  everyone in the tier's channel (``<!here>``); then it waits for a human

Each step is claimed with ``UPDATE … WHERE id = :id AND status = 'triggered' AND
ack_due_at = :seen`` in the transaction that records it, so two replicas (or a
restart) re-page once; the messages it implies are owed in the outbox in the same
transaction. An acknowledgement clears ``ack_due_at`` and stops the climb.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.page_queries import claim_repage_step, get_page, pages_past_ack_deadline
from workflows.paging.messages import build_page_message, repage_channel_note, repage_secondary_note
from workflows.deps import Deps
from workflows.policy.schema import AppConfig
from workflows.outbox.enqueue import owe_post
from workflows.paging.roster import on_duty
from workflows.paging.mirrors import (
    is_posted,
    load_page_view,
    owe_page_dm,
    owe_page_refresh,
    owe_page_thread_note,
    send_page_messages,
)
from workflows.paging.subjects import add_page_event, load_subject

log = logging.getLogger(__name__)

__all__ = ["repage_unacknowledged"]

SECONDARY, EVERYONE = 1, 2


async def _claim_step(deps: Deps, page_id: int, seen: datetime, now: datetime) -> tuple[int, tuple[str, ...]] | None:
    """Record the next step of page ``page_id`` and owe its messages, in one transaction;
    (level, the outbox lanes owed in) or None."""
    async with deps.sessions.begin() as db:
        page = await get_page(db, page_id)
        if page is None:
            return None
        subject = await load_subject(db, deps.config, page.subject_kind, page.subject_id)
        if subject is None:
            return None
        secondary = (await on_duty(db, deps.config, now)).secondary
        level = page.escalation_level + 1
        if level == SECONDARY and (not secondary or secondary == page.oncall_user_id):
            level = EVERYONE
        level = min(level, EVERYONE)
        window = deps.config.oncall.ack_window_for(subject.priority)
        paged = secondary if level == SECONDARY else page.oncall_user_id
        claimed = await claim_repage_step(db, page_id, seen=seen, level=level, oncall_user_id=paged,
                                          ack_due_at=now + window if level < EVERYONE else None)
        if not claimed:
            return None
        previous = page.oncall_user_id
        await add_page_event(db, page, acknowledged=False, actor_id=None, at=now, detail={
            "repage_level": level, "user": secondary if level == SECONDARY else None,
            "channel": subject.tier_channel if level == EVERYONE else None,
        })
        lanes = await _owe_step(db, deps.config, page_id, level, previous, now)
    return level, lanes


async def _owe_step(db: AsyncSession, config: AppConfig, page_id: int, level: int, previous: str | None,
                    now: datetime) -> tuple[str, ...]:
    """Owe what a re-page says: the mirror and the old DM re-rendered (who is paged now),
    then the tier channel's call for help, or the secondary's DM and a note in the mirror's thread."""
    page = await get_page(db, page_id)
    loaded = await load_page_view(db, page, config) if page else None
    if page is None or loaded is None:
        return ()
    # The DM sent so far is re-rendered too, even once a newer one mirrors the page.
    await owe_page_refresh(db, page_id, now=now, also=(page.dm_channel_id, page.dm_ts) if is_posted(page.dm_ts)
                           else None)
    view, subject = loaded
    window = config.oncall.ack_window_for(subject.priority)
    if level == EVERYONE:
        note = repage_channel_note(view, window=window)
        await owe_post(db, channel=subject.tier_channel, text=note, blocks=build_page_message(view, note=note),
                       now=now)
        return (subject.tier_channel,)
    secondary = page.oncall_user_id
    assert secondary is not None
    note = repage_secondary_note(view, secondary=secondary, primary=previous, window=window)
    await owe_page_thread_note(db, page_id, text=note, now=now)
    await owe_page_dm(db, page_id, user_id=secondary, note=note, now=now)
    return ()


async def repage_unacknowledged(*, deps: Deps, limit: int = 50) -> int:
    """Sweep: take every page past its ack deadline one step further. Returns the steps taken."""
    now = deps.clock()
    async with deps.sessions() as db:
        due = await pages_past_ack_deadline(db, now=now, limit=limit)
    steps = 0
    for page_id, seen in due:
        try:
            step = await _claim_step(deps, page_id, seen, now)
            if step is None:
                continue
            steps += 1
            log.info("page %s not acknowledged in time: re-paged (level %s)", page_id, step[0])
            await send_page_messages(deps, page_id, *step[1])
        except Exception:
            log.exception("re-paging page %s failed; the next sweep retries", page_id)
    return steps
