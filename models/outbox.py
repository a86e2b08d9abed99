"""The Slack outbox: messages owed to Slack, stored with the change that owes them.

A workflow adds its messages to the transaction that changes the state (``enqueue``);
they commit or roll back together. A relay (``workflows/outbox/relay.py``) sends them
later, oldest first within each *lane* (the channel the message goes to, a person's
DMs, or one incident's or page's own messages, which must follow each other): only the
oldest pending row of a lane may be sent, and only once its ``lease_until`` has passed,
so two relays (two replicas, or a request and the periodic sweep) never send the same
row at once nor two rows of one channel out of order.

Two clocks: ``not_before`` (when a row may be tried again) is a deadline of the
domain, compared with the injected clock like every other; ``lease_until`` is about
which process holds a row, so it is taken and compared on the database's clock
(``models/db_clock.py``), the one clock all replicas share.

Rows are never edited in place except by these functions; a sent row keeps what Slack
answered (``result_ts``) until housekeeping prunes it.

Digests: a channel post owed with a ``digest`` mark in its payload (``{"group": ...}``)
may go out folded into one message with the later posts of the same group waiting in
its lane (a storm of SLA notices to one channel). The relay leases the head, then the
folded rows with a second conditional UPDATE in the same transaction
(``claim_digest_rows``): they are leased, sent, marked sent, postponed or failed together,
and a lease left by a crash expires for all of them at once.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column

from models.base import Base, str_enum
from models.db_clock import db_now

__all__ = [
    "DIGEST", "OutboxKind", "OutboxMessage", "OutboxStatus", "claim_digest_rows", "claim_head", "count_pending",
    "delete_lane", "digest_candidates", "digest_group", "due_lanes", "enqueue", "expire_pending", "failed_since",
    "lane_rows",
    "mark_failed", "mark_sent", "postpone", "prune_sent", "release", "renew_lease", "ticket_card_status",
]

#: Payload key of a post that may be folded into a digest: ``{"group": "sla", ...}``
#: (what else it holds is for the digest's builder). Not sent to Slack.
DIGEST = "digest"


class OutboxKind(enum.StrEnum):
    """What the relay does with a row."""

    POST = "post"                  # chat.postMessage of ``payload`` (thread resolved at send time)
    TICKET_CARD = "ticket_card"    # post the ticket's card, rendered at send time; record its ts
    CARD_UPDATE = "card_update"    # chat.update of the ticket's card, rendered at send time
    UPDATE = "update"              # chat.update of ``payload``: a message of ours, as owed (a moved ticket's old card)
    WAR_ROOM = "war_room"          # one step of opening an incident's war room (workflows/incidents/war_room_steps.py)
    REPORT = "report"              # a scheduled report's message; its ts goes on its run (workflows/reports/delivery.py)
    REPORT_CHART = "report_chart"  # the report's chart, uploaded into the report's thread
    PAGE = "page"                  # a page's mirror, DM, thread note or re-render (workflows/paging/mirrors.py)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"   # Slack refused it for good (invalid_blocks…), or kept refusing past the retry window


_PENDING_WHERE = text("status = 'pending'")


def _pending(model: Any = None) -> ColumnElement[bool]:
    """``status = 'pending'`` with the value in the SQL itself, not a parameter: Postgres
    plans a statement that asyncpg has prepared once for any parameter value after a few
    runs (a generic plan), and such a plan cannot use ``ix_slack_outbox_pending_lane``
    (partial, on this very condition): the relay's look-up of a lane's oldest pending row
    then walked every row of the table by id (#23: 20,000 sent rows, 12 ms a claim)."""
    return (model or OutboxMessage).status == literal_column("'pending'")


class OutboxMessage(Base):
    __tablename__ = "slack_outbox"
    __table_args__ = (
        # "The oldest pending row of each lane": the relay asks it on every pass.
        Index("ix_slack_outbox_pending_lane", "lane", "id", postgresql_where=_PENDING_WHERE,
              sqlite_where=_PENDING_WHERE),
        Index("ix_slack_outbox_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lane: Mapped[str] = mapped_column(String(64))
    kind: Mapped[OutboxKind] = mapped_column(str_enum(OutboxKind))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The ticket whose thread (POST) or card (TICKET_CARD, CARD_UPDATE) the row is about.
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Pending rows with the same key are replaced by a newer one (a card shows its last state).
    coalesce_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    not_before: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    result_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None]


async def enqueue(db: AsyncSession, *, lane: str, kind: OutboxKind, payload: dict[str, Any], now: datetime,
                  ticket_id: int | None = None, coalesce_key: str | None = None) -> None:
    """Owe one message, in the caller's transaction. With ``coalesce_key``, pending rows
    of the same key that no relay holds are dropped: this row supersedes them (a key
    owed with a ``ticket_id`` is that ticket's: the look-up goes through its index, not
    through every pending row, which a storm makes many)."""
    if coalesce_key is not None:
        same = [OutboxMessage.coalesce_key == coalesce_key]
        if ticket_id is not None:
            same.append(OutboxMessage.ticket_id == ticket_id)
        await db.execute(delete(OutboxMessage).where(
            *same, _pending(), _free(),
        ).execution_options(synchronize_session=False))
    db.add(OutboxMessage(lane=lane, kind=kind, payload=payload, ticket_id=ticket_id, coalesce_key=coalesce_key,
                         status=OutboxStatus.PENDING, attempts=0, created_at=now, not_before=now))


def _free() -> ColumnElement[bool]:
    """No relay holds the row: never leased, or the lease ran out (the database's clock)."""
    return (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < db_now())


def _head_of(lane: Any) -> Any:
    inner = aliased(OutboxMessage)
    return (select(func.min(inner.id)).where(_pending(inner), inner.lane == lane)
            .scalar_subquery())


async def due_lanes(db: AsyncSession, now: datetime, *, limit: int = 200,
                    among: Collection[str] | None = None) -> list[str]:
    """The lanes whose oldest pending row may be sent now (``among``: only these lanes).

    Each lane's head is found once, by grouping the pending rows (one pass over the
    partial index), then joined to its row: a correlated "is this row its lane's head?"
    per pending row was quadratic in a backed-up lane (8,000 rows waiting behind one
    channel's pace: 5 s a pass on Postgres, every request's delivery waiting on it)."""
    inner = aliased(OutboxMessage)
    heads = select(inner.lane, func.min(inner.id).label("head_id")).where(_pending(inner)).group_by(inner.lane)
    if among is not None:
        heads = heads.where(inner.lane.in_(list(among)))
    head = heads.subquery()
    stmt = (select(OutboxMessage.lane).join(head, OutboxMessage.id == head.c.head_id)
            .where(OutboxMessage.not_before <= now, _free())
            .order_by(OutboxMessage.id).limit(limit))
    return list((await db.execute(stmt)).scalars())


def _claim_head_statement(lease: timedelta) -> Any:
    """The UPDATE of ``claim_head``, built once per lease length (the relay runs it for
    every row it sends; building it each time cost more than running it): bound
    ``head_lane`` and ``now``."""
    now = bindparam("now", type_=OutboxMessage.__table__.c.not_before.type)
    return (update(OutboxMessage)
            .where(OutboxMessage.id == _head_of(bindparam("head_lane", type_=String())),
                   _pending(), OutboxMessage.not_before <= now, _free())
            .values(lease_until=db_now(lease), attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True))


_CLAIM_HEAD: dict[timedelta, Any] = {}


async def claim_head(db: AsyncSession, lane: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Take the lane's oldest pending row for one send attempt (a lease of ``lease`` on the
    database's clock), if it is due at ``now`` and no relay holds it; None otherwise. One
    conditional UPDATE: only one relay gets it, and a lane's later rows wait until the
    oldest is sent."""
    statement = _CLAIM_HEAD.get(lease)
    if statement is None:
        statement = _CLAIM_HEAD[lease] = _claim_head_statement(lease)
    return (await db.execute(statement, {"head_lane": lane, "now": now})).scalar_one_or_none()


async def renew_lease(db: AsyncSession, message_ids: Collection[int], held: datetime, lease: timedelta) -> bool:
    """Extend the lease of rows this relay holds to ``lease`` from now on the database's
    clock; False when any of them is no longer held by it. ``held`` is the ``lease_until``
    its claim got: a fencing token, since any other relay's claim replaces it (one
    conditional UPDATE, so a claim and a renewal never both succeed)."""
    ids = list(message_ids)
    result = await db.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lease_until == held,
    ).values(lease_until=db_now(lease)).execution_options(synchronize_session=False))
    return (result.rowcount or 0) == len(ids)


def digest_group(row: OutboxMessage) -> str | None:
    """The digest group of a channel post that may be folded with others; None: sent alone."""
    if row.kind != OutboxKind.POST or row.payload.get("in_thread"):
        return None
    mark = row.payload.get(DIGEST)
    return mark.get("group") if isinstance(mark, dict) else None


async def digest_candidates(db: AsyncSession, head: OutboxMessage, now: datetime, *,
                            limit: int) -> list[OutboxMessage]:
    """The posts of the head's digest group waiting behind it in its lane, oldest first
    (read only: ``claim_digest_rows`` leases those chosen)."""
    group = digest_group(head)
    if group is None:
        return []
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.lane == head.lane, _pending(),
                   OutboxMessage.id > head.id, OutboxMessage.kind == OutboxKind.POST,
                   OutboxMessage.payload[(DIGEST, "group")].as_string() == group,
                   OutboxMessage.not_before <= now, _free())
            .order_by(OutboxMessage.id).limit(limit))
    return list((await db.execute(stmt)).scalars())


async def claim_digest_rows(db: AsyncSession, head: OutboxMessage, ids: Collection[int]) -> list[OutboxMessage]:
    """Lease rows ``ids`` of the head's lane with the head (same ``lease_until``), in the
    transaction that leased the head; only rows still pending and free are taken (one
    conditional UPDATE), so no other relay sends them, and they expire with the head."""
    if not ids:
        return []
    stmt = (update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.lane == head.lane,
                   OutboxMessage.status == OutboxStatus.PENDING, _free())
            .values(lease_until=head.lease_until, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True))
    return sorted((await db.execute(stmt)).scalars(), key=lambda row: row.id)


def _ids(message_ids: int | Collection[int]) -> list[int]:
    return [message_ids] if isinstance(message_ids, int) else list(message_ids)


async def mark_sent(db: AsyncSession, message_ids: int | Collection[int], now: datetime, ts: str | None) -> None:
    await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(_ids(message_ids))).values(
        status=OutboxStatus.SENT, sent_at=now, result_ts=ts, lease_until=None, last_error=None,
    ).execution_options(synchronize_session=False))


async def mark_failed(db: AsyncSession, message_ids: int | Collection[int], error: str, now: datetime) -> None:
    await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(_ids(message_ids))).values(
        status=OutboxStatus.FAILED, lease_until=None, last_error=error[:1000], failed_at=now,
    ).execution_options(synchronize_session=False))


async def postpone(db: AsyncSession, message_ids: int | Collection[int], until: datetime, error: str) -> None:
    """Try again at ``until`` (the lane waits: later rows of the channel stay behind it)."""
    await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(_ids(message_ids))).values(
        not_before=until, lease_until=None, last_error=error[:1000],
    ).execution_options(synchronize_session=False))


async def expire_pending(db: AsyncSession, *, before: datetime, reason: str, now: datetime) -> list[OutboxMessage]:
    """Give up on every pending row owed before ``before`` that no relay holds (the relay
    is paused and they will not be tried in time): marked failed with ``reason``; returned."""
    stmt = (update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.created_at < before, _free())
            .values(status=OutboxStatus.FAILED, lease_until=None, last_error=reason[:1000], failed_at=now)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True))
    return list((await db.execute(stmt)).scalars())


async def release(db: AsyncSession, message_ids: int | Collection[int], until: datetime) -> None:
    """Give rows back untried: free, due again at ``until``, the claim's attempt not counted
    (the relay took them but did not call Slack, e.g. the channel's posting slot is too far off)."""
    await db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(_ids(message_ids))).values(
        not_before=until, lease_until=None, attempts=OutboxMessage.attempts - 1,
    ).execution_options(synchronize_session=False))


async def lane_rows(db: AsyncSession, lane: str) -> list[OutboxMessage]:
    """Every row of ``lane`` still kept (pending, sent or failed), oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.lane == lane).order_by(OutboxMessage.id)
    return list((await db.execute(stmt.execution_options(populate_existing=True))).scalars())


async def delete_lane(db: AsyncSession, lane: str) -> int:
    """Forget every row of ``lane``, sent, failed or pending (the change that owed them
    was withdrawn, and the lane's name may be used again: an incident's id, on SQLite)."""
    result = await db.execute(delete(OutboxMessage).where(OutboxMessage.lane == lane)
                              .execution_options(synchronize_session=False))
    return result.rowcount or 0


async def failed_since(db: AsyncSession, since: datetime, *, limit: int = 20) -> tuple[int, list[OutboxMessage]]:
    """How many messages were given up on since ``since``, and the latest ``limit`` of them."""
    recent = (OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.failed_at >= since)
    count = (await db.execute(select(func.count()).select_from(OutboxMessage).where(*recent))).scalar_one()
    rows = (await db.execute(select(OutboxMessage).where(*recent)
                             .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc()).limit(limit))).scalars()
    return int(count), list(rows)


async def ticket_card_status(db: AsyncSession, ticket_id: int) -> OutboxStatus | None:
    """Where the ticket's card stands in the outbox (None: no card was owed)."""
    stmt = (select(OutboxMessage.status).where(OutboxMessage.ticket_id == ticket_id,
                                               OutboxMessage.kind == OutboxKind.TICKET_CARD)
            .order_by(OutboxMessage.id.desc()).limit(1))
    return (await db.execute(stmt)).scalar_one_or_none()


async def count_pending(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == OutboxStatus.PENDING))).scalar_one())


async def prune_sent(db: AsyncSession, older_than: datetime) -> int:
    """Forget rows that were sent (or failed for good) before ``older_than``."""
    result = await db.execute(delete(OutboxMessage).where(
        OutboxMessage.status != OutboxStatus.PENDING, OutboxMessage.created_at < older_than))
    return result.rowcount or 0
