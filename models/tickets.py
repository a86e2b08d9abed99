"""Tickets, their per-workspace numbers and their timeline.

A ticket's state is one of :class:`TicketStatus`; which state follows which, on which
event and by whom, is decided by the transition table in ``workflows/tickets/states.py``
alone. Who works on it is ``assignee_id``; waiting on the customer also keeps
``waiting_since`` (set while the resolution clock is paused). Every change appends a
:class:`TicketEvent`.

Ticket numbers are gap-free per Slack workspace (``team_id``): :func:`next_ticket_number`
increments a row of ``ticket_counters`` with ``UPDATE ... RETURNING`` in the caller's
transaction, so two replicas creating tickets at once serialise on that row and a
rolled-back ticket gives its number back.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    false,
    literal_column,
    or_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import Grouping

from models.base import Base, insert_ignore, str_enum

__all__ = [
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketEventKind",
    "TicketFormerCard",
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "TicketStatus",
    "TicketWatcher",
    "next_ticket_number",
    "open_status",
    "sla_deadline",
]


class TicketStatus(enum.StrEnum):
    """Where a ticket is in its life (``workflows/tickets/states.py`` moves it)."""

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


#: The states in which the desk still works a ticket: queries filter on them. The table in
#: ``workflows/tickets/states.py`` holds the same set (its ``OPEN``) and decides the rest.
OPEN_STATUSES: tuple[TicketStatus, ...] = (
    TicketStatus.NEW, TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
#: The states of a ticket the desk is done with (its ``DONE``).
DONE_STATUSES: tuple[TicketStatus, ...] = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketEventKind(enum.StrEnum):
    """What a timeline row records."""

    CREATED = "created"
    CLAIMED = "claimed"
    REPLIED = "replied"
    FIRST_RESPONSE = "first_response"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    RATED = "rated"
    PRIORITY_CHANGED = "priority_changed"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    PAGED = "paged"
    ACKNOWLEDGED = "acknowledged"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESUMED = "resumed"
    MANAGEMENT_NOTIFIED = "management_notified"
    REFUSED = "refused"
    SENT_TO_CUSTOMER = "sent_to_customer"    # an agent's reply sent from the card's thread to the customer's
    TIER_RESPONSE = "tier_response"  # the tier a ticket was escalated to answered in its thread
    NOT_ESCALATED = "not_escalated"  # an automatic escalation was due, but the path had ended
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    MOVED = "moved"
    MERGED = "merged"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    UPDATE_REMINDER = "update_reminder"
    CUSTOMER_NOTIFIED = "customer_notified"
    FOLLOWED_UP = "followed_up"
    UNASSIGNABLE = "unassignable"
    CATEGORY_CHANGED = "category_changed"
    DUPLICATE_MERGED = "duplicate_merged"


class Ticket(Base):
    """A support request, its Slack card and its SLA clocks."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # One message opens at most one ticket (a second reaction, a redelivery, two replicas).
        UniqueConstraint("source_channel_id", "source_ts"),
        Index("ix_tickets_channel_id_message_ts", "channel_id", "message_ts"),
        Index("ix_tickets_status_tier", "status", "tier"),
        # The open tickets counted by state (the stats' backlog and open volume), from the index alone.
        Index("ix_tickets_status_team_id_created_at", "status", "team_id", "created_at", "id"),
        # Metrics: tickets opened in a period. Not (team_id, created_at): SQLite, without
        # ANALYZE, would take that for every "team_id = ?" query (the queue, 30x slower).
        Index("ix_tickets_created_at_team_id", "created_at", "team_id"),
        # Per-user limits: the tickets one person opened in the last minute (``models.user_limits``).
        Index("ix_tickets_reporter_id_created_at", "reporter_id", "created_at"),
        CheckConstraint(
            "csat_rating IS NULL OR (csat_rating >= 1 AND csat_rating <= 5)",
            name="csat_rating_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(255))
    priority: Mapped[str] = mapped_column(String(8))
    tier: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus), default=TicketStatus.NEW, server_default=TicketStatus.NEW.value
    )
    reporter_id: Mapped[str] = mapped_column(String(64), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    customer: Mapped[str | None] = mapped_column(Text)
    # Shown only to its reporter, its assignee and the support desk (``workflows.access.privacy``):
    # opened from a message in a private conversation, or marked private on the form.
    private: Mapped[bool] = mapped_column(default=False, server_default=false())

    # Where /ticket was typed, and the card (top-level message whose thread is the talk).
    origin_channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(Text)
    # The message a ticket was created from (the shortcut, a reaction, a customer channel).
    source_permalink: Mapped[str | None] = mapped_column(Text)
    source_channel_id: Mapped[str | None] = mapped_column(String(64))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    # The conversation is the source message's thread in a customer's channel: mirrored
    # into the card's thread, and only what agents send on purpose goes back.
    customer_thread: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The customer's plan when the ticket was opened (``workflows/policy/plans.py``).
    plan: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    first_response_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)

    # SLA clocks (timers query these). ``next_response_due_at`` runs after a reporter
    # reply until an agent answers; ``waiting_since`` pauses the resolution clock and
    # ``paused_seconds`` is the total paused so far.
    first_response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)
    next_response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    waiting_since: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    # The escalation matrix: when the ticket entered its tier by an escalation (None: it
    # is where it was opened, since ``created_at``), and the tier's response clock
    # (``tiers[].response``), running from that moment until someone answers.
    tier_entered_at: Mapped[datetime | None]
    tier_response_due_at: Mapped[datetime | None] = mapped_column(index=True)

    # Lifecycle: when triage set priority, category and owner; when it closed; the ticket
    # a merge made this one a duplicate of; the closed ticket this one follows up.
    triaged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(index=True)
    follows_up_id: Mapped[int | None]
    # Keeping the customer informed (``tickets.update_every``): when someone other than the
    # reporter last wrote in the thread (its creation until then), and the quiet period
    # (that moment) the last reminder was for: one reminder per quiet period.
    desk_replied_at: Mapped[datetime | None]
    update_reminded_for: Mapped[datetime | None]

    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    escalation_count: Mapped[int] = mapped_column(default=0, server_default="0")
    csat_rating: Mapped[int | None]
    csat_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Ticket #{self.number} team={self.team_id} {self.priority} {self.status}>"


def sla_deadline() -> ColumnElement[datetime]:
    """The nearest SLA deadline of a ticket row, as a SQL expression (NULL: none): the
    earliest of the first-response due time (while no first response was recorded), the
    next-response due time and the resolution due time.

    One flat ``CASE`` (portable: SQLite's ``min()`` and Postgres' ``LEAST`` treat NULLs
    differently), short enough to be indexed: the open lists' indexes below hold it, and
    migration 0025 builds the same expression. Change both together (a new revision):
    ``tests/integration/test_migrations.py`` compares the indexes with these, and
    ``tests/unit/test_ticket_list_plans.py`` that the lists still read them.
    """
    first, following, resolution = Ticket.first_response_due_at, Ticket.next_response_due_at, Ticket.resolution_due_at

    def not_after(a: ColumnElement[datetime], b: ColumnElement[datetime]) -> ColumnElement[bool]:
        return or_(b.is_(None), a <= b)

    return case(
        (and_(Ticket.first_response_at.is_(None), first.is_not(None), not_after(first, following),
              not_after(first, resolution)), first),
        (and_(following.is_not(None), not_after(following, resolution)), following),
        else_=resolution,
    )


def open_status() -> ColumnElement[bool]:
    """``tickets.status IN ('new', 'triaged', 'in_progress', 'waiting')``, the values
    written into the SQL: the open lists' partial indexes have this predicate, and a
    planner uses one only when the query's own condition implies it (Postgres' generic
    plan of a bound parameter cannot; SQLite looks for the same term)."""
    return Ticket.status.in_([literal_column(f"'{status.value}'") for status in OPEN_STATUSES])


def _open_list_index(name: str, *leading: str) -> Index:
    """A partial index of the open tickets, in a list's order: ``team_id`` and the
    ``leading`` columns, then the nearest deadline (none: last), then the number."""
    deadline = sla_deadline()
    return Index(name, Ticket.team_id, *(getattr(Ticket, column) for column in leading), deadline.is_(None),
                 Grouping(deadline), Ticket.number,  # (CASE ...): Postgres wants an expression in brackets
                 sqlite_where=open_status(), postgresql_where=open_status())


# The open lists (``models/ticket_lists.py``) read only open tickets, in order, through
# these: a tier's queue (App Home, `/ticket queue`), every open ticket, a person's claimed
# and reported tickets. Their count comes from the same index.
_open_list_index("ix_tickets_open_tier_deadline", "tier")
_open_list_index("ix_tickets_open_deadline")
_open_list_index("ix_tickets_open_assignee_deadline", "assignee_id")
_open_list_index("ix_tickets_open_reporter_deadline", "reporter_id")


class TicketWatcher(Base):
    """Someone who hears a ticket's outcome without having reported it: the reporter of a
    ticket merged into it (``via_ticket_id``, whose survey they get)."""

    __tablename__ = "ticket_watchers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    via_ticket_id: Mapped[int | None]
    added_at: Mapped[datetime]


class TicketFormerCard(Base):
    """A card a ticket had before it moved (``workflows/tickets/routing.py``): its thread is
    still the ticket's conversation. Keyed by the card's channel and ts, the look-up every
    thread reply makes (``models.ticket_queries.find_ticket_by_thread``). ``pointed_at``:
    when the bot answered the first reply there after the move with a pointer to the
    ticket's card (claimed once)."""

    __tablename__ = "ticket_former_cards"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    moved_at: Mapped[datetime]
    pointed_at: Mapped[datetime | None]


class TicketCounter(Base):
    """The last ticket number handed out in a workspace."""

    __tablename__ = "ticket_counters"

    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0, server_default="0")


class TicketEvent(Base):
    """One row of a ticket's timeline: what happened, who did it (None: the bot), when."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_at", "ticket_id", "at"),
        # metrics: "has this ticket a resolution before t?" and "which tickets were resolved before t?"
        Index("ix_ticket_events_kind_ticket_id_at", "kind", "ticket_id", "at"),
        # metrics: "which tickets have a row of this kind in [t0, t1)?" (a range, not every row of the kind)
        Index("ix_ticket_events_kind_at_ticket_id", "kind", "at", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[TicketEventKind] = mapped_column(str_enum(TicketEventKind))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[dict[str, Any] | None]

    def __repr__(self) -> str:
        return f"<TicketEvent ticket={self.ticket_id} {self.kind} by={self.actor_id} at={self.at}>"


async def next_ticket_number(db: AsyncSession, team_id: str) -> int:
    """Hand out the next ticket number of ``team_id``, inside the caller's transaction.

    Insert the counter row if missing (insert-or-ignore), then increment it with
    ``UPDATE ... RETURNING``. On Postgres the update's row lock serialises concurrent
    creators until the caller commits, so numbers are unique and gap-free as long as the
    ticket is inserted in the same transaction.
    """
    await insert_ignore(db, TicketCounter, {"team_id": team_id, "last_number": 0})
    stmt = (
        update(TicketCounter)
        .where(TicketCounter.team_id == team_id)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(stmt)).scalar_one()
