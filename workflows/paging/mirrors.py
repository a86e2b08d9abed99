"""The Slack side of a page: post its mirrors once, re-render them after each change.

A page's mirrors are a message in the on-call channel and a DM to the person paged.
Posting is claimed in the database (``mirror_ts`` goes from NULL to a ``posting:``
marker in one conditional UPDATE), so two callers never post the same page twice;
``post_missing_mirrors`` (a sweep) posts the mirrors of pages that were stored but
never mirrored — the process stopped between the two — and retries failed posts.
Slack failures are logged; they never undo the page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.policy.schema import AppConfig
from models.page_queries import claim_mirror_post, page_status, record_mirror_post, unmirrored_pages
from models.pages import Page
from workflows.paging.messages import PageView, Repaged, build_page_message, page_fallback_text
from workflows.tickets.messages.card import priority_label
from workflows.deps import Deps
from workflows.paging.roster import source_text
from workflows.paging.subjects import PageSubject, load_subject, page_history

log = logging.getLogger(__name__)

__all__ = ["is_posted", "load_page_view", "post_page_mirrors", "refresh_page_mirrors", "post_missing_mirrors",
           "post_or_log", "update_or_log"]

#: A page stored this long ago without a mirror is mirrored by the sweep.
UNMIRRORED_AFTER = timedelta(seconds=30)
#: A post claimed (or failed) this long ago is tried again.
STALE_CLAIM = timedelta(minutes=5)
_MARKERS = ("posting:", "failed:")


def is_posted(ts: str | None) -> bool:
    """A real Slack message ts, not a claim marker."""
    return bool(ts) and not str(ts).startswith(_MARKERS)


def _marker(kind: str, now: datetime) -> str:
    return f"{kind}{int(now.timestamp()):012d}"


def _pagerduty_state(page: Page) -> str | None:
    if not (page.pagerduty_sent or page.pd_pending_action or page.pd_last_error):
        return None  # Slack-only paging
    if page.pd_last_error and not page.pd_pending_action and not page.pagerduty_sent:
        return f"refused this page: {page.pd_last_error}"
    return f"incident key {page.dedup_key}"


async def load_page_view(db: AsyncSession, page: Page, config: AppConfig) -> tuple[PageView, PageSubject] | None:
    subject = await load_subject(db, config, page.subject_kind, page.subject_id)
    if subject is None:
        return None
    history = await page_history(db, page)
    view = PageView(
        page_id=page.id, label=subject.label, priority=priority_label(config, subject.priority),
        summary=subject.summary, reasons=history.reasons, permalink=subject.permalink, war_room=subject.war_room,
        status=page.status, paged_at=page.triggered_at, paged_user_id=history.first_paged or page.oncall_user_id,
        repaged=tuple(Repaged(r.user_id, r.channel_id, r.at) for r in history.repages),
        acknowledged_by=page.acknowledged_by, acknowledged_in_pagerduty_by=history.acknowledged_in_pagerduty_by,
        acknowledged_at=page.acknowledged_at, resolved_at=page.resolved_at, pagerduty=_pagerduty_state(page),
        oncall_source=source_text(page.oncall_source),
    )
    return view, subject


async def post_or_log(deps: Deps, *, channel: str, text: str, blocks: list | None = None,
                      thread_ts: str | None = None) -> tuple[str, str] | None:
    """chat.postMessage; the (channel, ts) posted, or None (logged) when Slack refused."""
    try:
        posted = await deps.slack.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts,
                                                   unfurl_links=False)
    except SlackApiError as error:
        log.error("page message not posted to %s: %s", channel, error.response.get("error"))
        return None
    return str(posted["channel"]), str(posted["ts"])


async def update_or_log(deps: Deps, *, channel: str, ts: str, text: str, blocks: list) -> None:
    try:
        await deps.slack.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.error("page message %s/%s not updated: %s", channel, ts, error.response.get("error"))


async def post_page_mirrors(*, deps: Deps, page_id: int, seen: str | None = None) -> bool:
    """Post the on-call channel message and the DM of a page, once. True if this call did.

    ``seen`` re-claims a stale ``posting:``/``failed:`` marker (the sweep); the DM is not
    sent again when it went out the first time.
    """
    now = deps.clock()
    marker = _marker("posting:", now)
    async with deps.sessions.begin() as db:
        claimed = await claim_mirror_post(db, page_id, marker=marker, seen=seen)
    if not claimed:
        return False
    async with deps.sessions() as db:
        page = await db.get(Page, page_id)
        loaded = await load_page_view(db, page, deps.config) if page else None
    if page is None or loaded is None:
        return False
    view, _ = loaded
    blocks = build_page_message(view)
    channel = page.mirror_channel_id or deps.config.channels.oncall
    posted = await post_or_log(deps, channel=channel, blocks=blocks,
                               text=page_fallback_text(view, mention=page.oncall_user_id))
    dm = (page.dm_channel_id, page.dm_ts) if is_posted(page.dm_ts) else None
    if dm is None and page.oncall_user_id:
        dm = await post_or_log(deps, channel=page.oncall_user_id, text=page_fallback_text(view), blocks=blocks)
    async with deps.sessions.begin() as db:
        await record_mirror_post(db, page_id, marker=marker, channel=posted[0] if posted else channel,
                                 ts=posted[1] if posted else _marker("failed:", now), dm=dm)
        status = await page_status(db, page_id)
    if status != view.status:  # acknowledged or resolved while we were posting
        await refresh_page_mirrors(deps=deps, page_id=page_id)
    return True


async def refresh_page_mirrors(
    *, deps: Deps, page_id: int, also: tuple[str | None, str | None] | None = None,
) -> PageView | None:
    """Re-render every known message of the page (chat.update), plus ``also`` (the
    message a button was clicked in, e.g. a re-page in a tier channel)."""
    async with deps.sessions() as db:
        page = await db.get(Page, page_id)
        loaded = await load_page_view(db, page, deps.config) if page else None
    if page is None or loaded is None:
        return None
    view, _ = loaded
    blocks, text = build_page_message(view), page_fallback_text(view)
    seen: set[tuple[str, str]] = set()
    targets = ((page.mirror_channel_id, page.mirror_ts), (page.dm_channel_id, page.dm_ts), also or (None, None))
    for channel, ts in targets:
        if channel and ts and is_posted(ts) and (channel, ts) not in seen:
            seen.add((channel, ts))
            await update_or_log(deps, channel=channel, ts=ts, text=text, blocks=blocks)
    return view


async def post_missing_mirrors(*, deps: Deps, limit: int = 50) -> int:
    """Sweep: mirror open pages never mirrored, and retry stale or failed posts."""
    now = deps.clock()
    stale = _marker("", now - STALE_CLAIM)
    async with deps.sessions() as db:
        rows = await unmirrored_pages(db, stored_before=now - UNMIRRORED_AFTER, limit=limit)
    posted = 0
    for page_id, mirror_ts in rows:
        if mirror_ts is not None and mirror_ts.split(":", 1)[1] > stale:
            continue
        try:
            posted += await post_page_mirrors(deps=deps, page_id=page_id, seen=mirror_ts)
        except Exception:
            log.exception("mirror of page %s failed; the next sweep retries", page_id)
    return posted
