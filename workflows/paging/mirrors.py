"""The Slack side of a page: its mirrors, owed through the outbox and rendered as they go.

A page's mirrors are a message in the on-call channel and a DM to the person paged.
They are owed in the transaction that stores (or re-triggers) the page
(``owe_page_mirrors``), and every later change owes a re-render (``owe_page_refresh``),
so they go out once, retried like any message when Slack answers 5xx or 429
(``workflows/outbox/relay.py``). The channel message, its thread notes and the
re-renders share the page's own lane (in the order owed); a DM goes in its person's
lane, so a channel the bot cannot post to never holds up the DM. Each is rendered from
the page as it is when it is sent; where it went is recorded on the page in the
transaction that marks the row sent, which owes one more re-render if the page changed
meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import OutboxKind, OutboxMessage, enqueue
from models.page_queries import get_page, page_status, record_mirror, record_page_dm
from models.pages import Page, PageStatus
from workflows.deps import Deps, OutboxStep
from workflows.outbox.calls import Answer, Delivery, SlackCall, call_delivery
from workflows.outbox.enqueue import deliver_outbox
from workflows.paging.messages import PageView, Repaged, build_page_message, page_fallback_text
from workflows.paging.roster import source_text
from workflows.paging.subjects import PageSubject, load_subject, page_history
from workflows.policy.schema import AppConfig
from workflows.tickets.messages.card import priority_label

__all__ = ["OUTBOX_STEPS", "is_posted", "load_page_view", "owe_page_dm", "owe_page_mirrors", "owe_page_refresh",
           "owe_page_thread_note", "page_lane", "refresh_page_mirrors", "send_page_messages"]

#: What a ``mirror_ts`` held before the outbox (a post claimed or failed): not a message.
_MARKERS = ("posting:", "failed:")
MIRROR, DM, REFRESH, THREAD_NOTE = "mirror", "dm", "refresh", "thread_note"


def is_posted(ts: str | None) -> bool:
    """A real Slack message ts, not a claim marker."""
    return bool(ts) and not str(ts).startswith(_MARKERS)


def page_lane(page_id: int) -> str:
    """The outbox lane of a page's Slack messages: they go out in the order owed."""
    return f"page-{page_id}"


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


# --------------------------------------------------------------------------- owing


async def _owe(db: AsyncSession, page_id: int, step: str, now: datetime, *, lane: str | None = None,
               coalesce_key: str | None = None, **payload: Any) -> None:
    await enqueue(db, lane=lane or page_lane(page_id), kind=OutboxKind.PAGE, now=now, coalesce_key=coalesce_key,
                  payload={"page_id": page_id, "step": step, **payload})


async def owe_page_mirrors(db: AsyncSession, page_id: int, *, paged: str | None, now: datetime) -> tuple[str, ...]:
    """Owe a (re-)triggered page's on-call channel message and its DM to ``paged`` (the
    person paged); the outbox lanes they were owed in (for ``send_page_messages``)."""
    await _owe(db, page_id, MIRROR, now)
    if not paged:
        return (page_lane(page_id),)
    await _owe(db, page_id, DM, now, lane=paged, user=paged, first=True)
    return page_lane(page_id), paged


async def owe_page_refresh(db: AsyncSession, page_id: int, *, now: datetime,
                           also: tuple[str | None, str | None] | None = None) -> None:
    """Owe a re-render of every posted mirror of the page, plus ``also`` (the message a
    button was clicked in, e.g. a re-page in a tier channel). A re-render owed before this
    one and not yet sent is replaced: both would show the page as it is when sent."""
    extra = [str(v) for v in also] if also and all(also) else None
    key = f"page:{page_id}" + (f":{extra[0]}:{extra[1]}" if extra else "")
    await _owe(db, page_id, REFRESH, now, coalesce_key=key[:64], **({"also": extra} if extra else {}))


async def owe_page_dm(db: AsyncSession, page_id: int, *, user_id: str, note: str, now: datetime) -> None:
    """Owe a DM of the page to ``user_id`` (a re-page), which then mirrors the page. It goes
    in the page's lane, after the re-render owed before it: that re-render reads the page's
    DM when it is sent and would otherwise overwrite this one's note."""
    await _owe(db, page_id, DM, now, user=user_id, note=note)


async def owe_page_thread_note(db: AsyncSession, page_id: int, *, text: str, now: datetime) -> None:
    """Owe a reply in the thread of the page's on-call channel message (if it was posted)."""
    await _owe(db, page_id, THREAD_NOTE, now, text=text)


async def send_page_messages(deps: Deps, page_id: int, *lanes: str) -> None:
    """After the change that owed them commits: send the page's owed messages now (and
    those of ``lanes``: the DMs' people); what Slack refuses for now the relay retries."""
    await deliver_outbox(deps, lanes=[page_lane(page_id), *lanes])


async def refresh_page_mirrors(*, deps: Deps, page_id: int,
                               also: tuple[str | None, str | None] | None = None) -> None:
    """After a change that committed without owing it: owe the re-render, then send it."""
    async with deps.sessions.begin() as db:
        await owe_page_refresh(db, page_id, now=deps.clock(), also=also)
    await send_page_messages(deps, page_id)


# --------------------------------------------------------------------------- sending


async def prepare_page_step(db: AsyncSession, deps: Deps, row: OutboxMessage) -> Delivery | None:
    """The delivery of one of a page's messages, rendered from the page as it is now
    (None: nothing left to send)."""
    page_id, step = int(row.payload["page_id"]), row.payload.get("step")
    page = await get_page(db, page_id)
    loaded = await load_page_view(db, page, deps.config) if page is not None else None
    if page is None or loaded is None:
        return None
    view, _ = loaded
    if step == MIRROR:
        if is_posted(page.mirror_ts) or page.status == PageStatus.RESOLVED:
            return None  # posted already (an earlier trigger's row), or nobody needs it any more
        return call_delivery(SlackCall("chat.postMessage", {
            "channel": page.mirror_channel_id or deps.config.channels.oncall, "unfurl_links": False,
            "text": page_fallback_text(view, mention=page.oncall_user_id), "blocks": build_page_message(view)}),
            record=_recorder(deps, view, mirror=True))
    if step == DM:
        if row.payload.get("first") and (is_posted(page.dm_ts) or page.status == PageStatus.RESOLVED):
            return None  # posted already (an earlier trigger's row), or nobody needs it any more
        return call_delivery(SlackCall("chat.postMessage", {
            "channel": str(row.payload["user"]), "unfurl_links": False, "text": page_fallback_text(view),
            "blocks": build_page_message(view, note=row.payload.get("note"))}),
            record=_recorder(deps, view, mirror=False))
    if step == THREAD_NOTE:
        if not (page.mirror_channel_id and is_posted(page.mirror_ts)):
            return None
        return call_delivery(SlackCall("chat.postMessage", {
            "channel": page.mirror_channel_id, "thread_ts": page.mirror_ts, "text": str(row.payload["text"]),
            "unfurl_links": False}))
    if step == REFRESH:
        also = row.payload.get("also")
        targets = [(page.mirror_channel_id, page.mirror_ts), (page.dm_channel_id, page.dm_ts),
                   tuple(also) if also else (None, None)]
        messages = list(dict.fromkeys((str(c), str(t)) for c, t in targets if c and t and is_posted(t)))
        if not messages:
            return None
        return _updates(messages, text=page_fallback_text(view), blocks=build_page_message(view))
    raise LookupError(f"unknown page step {step!r}")  # a newer replica's: left to its lease, which sends it


#: The outbox kind this room owns, for ``Deps.outbox_steps`` (``bot/runtime.py``).
OUTBOX_STEPS: Mapping[OutboxKind, OutboxStep] = {OutboxKind.PAGE: prepare_page_step}


def _recorder(deps: Deps, view: PageView, *, mirror: bool):
    """Where the message went; a re-render owed too when the page changed since it was
    rendered (acknowledged or resolved while it was being sent)."""
    page_id = view.page_id

    async def record(db: AsyncSession, answer: Answer) -> None:
        channel, ts = str(answer["channel"]), str(answer["ts"])
        if mirror:
            await record_mirror(db, page_id, channel=channel, ts=ts)
        else:
            await record_page_dm(db, page_id, channel=channel, ts=ts)
        if await page_status(db, page_id) != view.status:
            await owe_page_refresh(db, page_id, now=deps.clock())
    return record


def _updates(messages: list[tuple[str, str]], *, text: str, blocks: list[dict[str, Any]]) -> Delivery:
    """chat.update of each message; a retry after a failure updates them all again (harmless)."""
    async def send(slack: AsyncWebClient) -> Answer:
        answer: Answer = {}
        for channel, ts in messages:
            answer = await slack.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return answer
    return Delivery(send=send, text=text)
