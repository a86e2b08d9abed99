"""The statements on pages: storing one, its clicks and webhooks, its PagerDuty
delivery, its Slack mirrors and its re-pages (``workflows/paging/`` decides when).

Every change that can race (two clicks, a click and a webhook, two replicas' sweeps) is
one conditional UPDATE whose WHERE says what the caller saw, so only one of them
matches; the functions say whether theirs did.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_ignore
from models.locks import lock_row
from models.pages import Page, PageStatus, PageSubjectKind

__all__ = [
    "OPEN", "acknowledge_from_pagerduty", "acknowledge_in_slack", "claim_delivery",
    "claim_repage_step", "drop_delivery", "due_deliveries", "get_page", "open_page_id", "page_of_subject",
    "page_status", "pages_past_ack_deadline", "record_delivered", "record_mirror", "record_page_dm",
    "resolve_from_pagerduty", "resolve_in_slack", "retry_delivery", "store_page",
]

#: A page that still wants someone: not resolved.
OPEN = (PageStatus.TRIGGERED, PageStatus.ACKNOWLEDGED)


def _now(now: datetime) -> Any:
    """``now`` as a SQL value of ``pd_next_attempt_at``'s type (for CASE expressions)."""
    return literal(now, Page.__table__.c.pd_next_attempt_at.type)


async def _change(db: AsyncSession, where: Sequence[ColumnElement[bool]], values: dict[str, Any]) -> list[int]:
    stmt = update(Page).where(*where).values(**values).returning(Page.id).execution_options(synchronize_session=False)
    return list((await db.execute(stmt)).scalars())


# --------------------------------------------------------------------------- reading


async def get_page(db: AsyncSession, page_id: int) -> Page | None:
    """The page as the database has it now (re-read even when the session holds it)."""
    return (await db.execute(select(Page).where(Page.id == page_id).execution_options(populate_existing=True))
            ).scalar_one_or_none()


async def page_status(db: AsyncSession, page_id: int) -> PageStatus:
    return (await db.execute(select(Page.status).where(Page.id == page_id))).scalar_one()


async def open_page_id(db: AsyncSession, kind: PageSubjectKind, subject_id: int) -> int | None:
    """The open page of a ticket or incident, if any."""
    return (await db.execute(select(Page.id).where(
        Page.subject_kind == kind, Page.subject_id == subject_id, Page.status.in_(OPEN)))).scalar()


async def page_of_subject(db: AsyncSession, kind: PageSubjectKind, subject_id: int) -> Page | None:
    """The page of a ticket or incident, open or not (there is at most one: ``dedup_key``)."""
    return (await db.execute(select(Page).where(Page.subject_kind == kind, Page.subject_id == subject_id))
            ).scalars().first()


# --------------------------------------------------------------------------- storing


async def store_page(db: AsyncSession, values: dict[str, Any]) -> tuple[Page, bool]:
    """Insert the page of ``values["dedup_key"]`` unless it exists, then hold its row
    until commit; (the page, True when this call inserted it)."""
    inserted = await insert_ignore(db, Page, values)
    page = await lock_row(db, Page, Page.dedup_key == values["dedup_key"])
    assert page is not None
    return page, inserted


# --------------------------------------------------------------------------- acknowledge and resolve


def _owe(action: str, now: datetime) -> dict[str, Any]:
    """Values owing PagerDuty ``action`` if it has heard of the page, else leaving the
    pending trigger to carry it as its follow-up."""
    heard = Page.pagerduty_sent.is_(True)
    return {
        "pd_pending_action": case((heard, action), else_=Page.pd_pending_action),
        "pd_next_attempt_at": case((heard, _now(now)), else_=Page.pd_next_attempt_at),
        "pd_attempts": case((heard, 0), else_=Page.pd_attempts),
    }


async def acknowledge_in_slack(db: AsyncSession, page_id: int, *, user_id: str, now: datetime) -> bool:
    """A triggered page becomes acknowledged by ``user_id``; PagerDuty is owed the acknowledge."""
    return bool(await _change(db, [Page.id == page_id, Page.status == PageStatus.TRIGGERED], {
        "status": PageStatus.ACKNOWLEDGED, "acknowledged_at": now, "acknowledged_by": user_id,
        "ack_due_at": None, **_owe("acknowledge", now),
    }))


async def resolve_in_slack(db: AsyncSession, page_id: int, *, now: datetime) -> bool:
    """An open page becomes resolved; PagerDuty is owed the resolve."""
    return bool(await _change(db, [Page.id == page_id, Page.status.in_(OPEN)], {
        "status": PageStatus.RESOLVED, "resolved_at": now, "ack_due_at": None, **_owe("resolve", now),
    }))


async def acknowledge_from_pagerduty(db: AsyncSession, dedup_key: str, *, now: datetime) -> int | None:
    """PagerDuty says the page of ``dedup_key`` was acknowledged there: its id if that
    changed it. An acknowledge still owed to PagerDuty is no longer owed."""
    pending = Page.pd_pending_action
    changed = await _change(db, [Page.dedup_key == dedup_key, Page.status == PageStatus.TRIGGERED], {
        "status": PageStatus.ACKNOWLEDGED, "acknowledged_at": now, "acknowledged_by": None,
        "ack_due_at": None, "pd_pending_action": case((pending == "acknowledge", None), else_=pending),
    })
    return changed[0] if changed else None


async def resolve_from_pagerduty(db: AsyncSession, dedup_key: str, *, now: datetime) -> int | None:
    """PagerDuty says the page of ``dedup_key`` was resolved there: its id if that
    changed it. An acknowledge or resolve still owed to PagerDuty is no longer owed."""
    pending = Page.pd_pending_action
    changed = await _change(db, [Page.dedup_key == dedup_key, Page.status.in_(OPEN)], {
        "status": PageStatus.RESOLVED, "resolved_at": now, "ack_due_at": None,
        "pd_pending_action": case((pending.in_(["acknowledge", "resolve"]), None), else_=pending),
    })
    return changed[0] if changed else None


# --------------------------------------------------------------------------- PagerDuty delivery


async def claim_delivery(db: AsyncSession, page_id: int, *, now: datetime,
                         lease: timedelta) -> tuple[str, int, PageStatus] | None:
    """Lease the action PagerDuty is owed for the page, if it is due: (action, attempts
    so far including this one, the page's status), or None when nothing is due or
    another sender holds it."""
    row = (await db.execute(
        update(Page).where(Page.id == page_id, Page.pd_pending_action.is_not(None), Page.pd_next_attempt_at <= now)
        .values(pd_next_attempt_at=now + lease, pd_attempts=Page.pd_attempts + 1)
        .returning(Page.pd_pending_action, Page.pd_attempts, Page.status)
        .execution_options(synchronize_session=False)
    )).first()
    return (str(row[0]), int(row[1]), PageStatus(row[2])) if row else None


def _still(claimed: str) -> ColumnElement[bool]:
    return Page.pd_pending_action == claimed


async def _settle(db: AsyncSession, page_id: int, claimed: str, values: dict[str, Any]) -> None:
    """Record how a claimed action went, unless a newer change replaced the action."""
    await db.execute(update(Page).where(Page.id == page_id, _still(claimed)).values(**values)
                     .execution_options(synchronize_session=False))


async def record_delivered(db: AsyncSession, page_id: int, claimed: str, *, now: datetime,
                           follow_up: bool) -> None:
    """PagerDuty accepted what was sent for ``claimed``. With ``follow_up`` (a trigger
    was sent), the acknowledge or resolve that happened in Slack meanwhile is owed next,
    at once; else nothing more is owed."""
    if follow_up:
        acked_in_slack = and_(Page.status == PageStatus.ACKNOWLEDGED, Page.acknowledged_by.is_not(None))
        action: Any = case((acked_in_slack, "acknowledge"), (Page.status == PageStatus.RESOLVED, "resolve"),
                           else_=None)
        due: Any = case((action.is_not(None), _now(now)), else_=None)
    else:
        action = due = None
    await _settle(db, page_id, claimed, {"pagerduty_sent": True, "pd_pending_action": action, "pd_attempts": 0,
                                         "pd_last_error": None, "pd_next_attempt_at": due})


async def retry_delivery(db: AsyncSession, page_id: int, claimed: str, *, at: datetime, error: str) -> None:
    """Sending ``claimed`` failed for now: try again at ``at``."""
    await _settle(db, page_id, claimed, {"pd_next_attempt_at": at, "pd_last_error": error})


async def drop_delivery(db: AsyncSession, page_id: int, claimed: str, *, error: str | None = None) -> None:
    """``claimed`` is owed no more: refused for good (``error`` kept) or not needed."""
    values: dict[str, Any] = {"pd_pending_action": None, "pd_next_attempt_at": None}
    if error is not None:
        values["pd_last_error"] = error
    await _settle(db, page_id, claimed, values)


async def due_deliveries(db: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Pages owing PagerDuty an action that is due, the longest waiting first."""
    return list((await db.execute(
        select(Page.id).where(Page.pd_pending_action.is_not(None), Page.pd_next_attempt_at <= now)
        .order_by(Page.pd_next_attempt_at, Page.id).limit(limit)
    )).scalars())


# --------------------------------------------------------------------------- Slack mirrors


async def record_mirror(db: AsyncSession, page_id: int, *, channel: str, ts: str) -> None:
    """Where the page's on-call channel message went."""
    await db.execute(update(Page).where(Page.id == page_id).values(mirror_channel_id=channel, mirror_ts=ts)
                     .execution_options(synchronize_session=False))


async def record_page_dm(db: AsyncSession, page_id: int, *, channel: str, ts: str) -> None:
    """The DM that now mirrors the page (a re-page's, to the secondary)."""
    await db.execute(update(Page).where(Page.id == page_id).values(dm_channel_id=channel, dm_ts=ts)
                     .execution_options(synchronize_session=False))


# --------------------------------------------------------------------------- Slack-only re-paging


async def pages_past_ack_deadline(db: AsyncSession, *, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Triggered pages whose acknowledgement was due by ``now``: (id, ``ack_due_at``), oldest first."""
    rows = (await db.execute(
        select(Page.id, Page.ack_due_at).where(Page.status == PageStatus.TRIGGERED, Page.ack_due_at <= now)
        .order_by(Page.ack_due_at, Page.id).limit(limit)
    )).all()
    return [(int(page_id), seen) for page_id, seen in rows]


async def claim_repage_step(db: AsyncSession, page_id: int, *, seen: datetime, level: int,
                            ack_due_at: datetime | None, oncall_user_id: str | None) -> bool:
    """Take the page one step up, if it is still triggered and still due at ``seen``
    (what the sweep read). True when this call took the step."""
    return bool(await _change(
        db, [Page.id == page_id, Page.status == PageStatus.TRIGGERED, Page.ack_due_at == seen],
        {"escalation_level": level, "ack_due_at": ack_due_at, "oncall_user_id": oncall_user_id},
    ))
