"""`supportbot simulate --replay`: what the stored tickets would have produced under a policy.

The tickets opened in the period are read from ``$DATABASE_URL`` with what people did to
them, in order (:func:`read_history`): the opening (with its first priority), every reply
in the thread (who, when), the escalations asked for by hand, waiting on the customer and
resuming, priority changes, resolutions and reopenings. What the bot did by itself
(warnings, breaches, automatic escalations, notices, pages) is left out: that is what a
policy decides. :func:`replay` then plays those actions, every ticket on one virtual clock,
through the very workflows the bot runs (open_ticket, record_thread_reply, the escalation,
waiting, resolve, reopen, priority change) and the live SLA engine, against a throwaway
SQLite database whose outbox relay is paused for good (what would be posted is owed,
never sent: the count comes from the timeline), and counts per priority what
the policy produced: warnings, breaches, automatic escalations, management notices and
pages (a page triggered about a ticket; a later breach updating an open page is not a new
page). Played twice, under the current and the proposed policy, the counts compare them.

The replay reads the policy as written, but: without ``roles`` (a reply by anyone other
than the reporter counts as the desk's, as it did when stored unless roles said
otherwise), without per-person ``limits`` and without the knowledge base (neither is
policy about time). Time stops at the end of the period: what would fall due later has
not happened yet.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.database import make_engine, make_session_factory, upgrade_database
from bot.runtime import OUTBOX_RENDERERS, OUTBOX_STEPS
from bot.simulation import SimulatedSlack, VirtualClock
from models.outbox_pause import pause_relay
from models.sla_queries import next_due_at
from models.ticket_queries import get_ticket, record_card
from models.tickets import Ticket, TicketEvent, TicketEventKind
from workflows.deps import Deps
from workflows.errors import SupportbotError
from workflows.escalation.record import announce_escalation, escalate_in_transaction
from workflows.policy.limits import Limits
from workflows.policy.schema import AppConfig
from workflows.sla.engine import fire_due_notifications
from workflows.tickets.intake import NewTicket, open_ticket
from workflows.tickets.lifecycle import reopen_ticket, resolve_ticket
from workflows.tickets.messages.form import TicketForm
from workflows.tickets.messages.resolve_form import ResolutionForm
from workflows.tickets.priority import change_ticket_priority
from workflows.tickets.thread import record_thread_reply
from workflows.tickets.waiting import resume_ticket, wait_on_customer

log = logging.getLogger(__name__)

__all__ = ["COUNTED", "Counts", "Step", "StoredTicket", "read_history", "replay"]

#: What the comparison counts, in the order it prints them.
COUNTED = ("warnings", "breaches", "automatic escalations", "management notices", "pages")
NEVER = timedelta(days=365 * 100)
OPEN, REPLY, ESCALATE, WAIT, RESUME, RESOLVE, REOPEN, PRIORITY = (
    "open", "reply", "escalate", "wait", "resume", "resolve", "reopen", "priority")


@dataclass(frozen=True)
class Step:
    """One thing a person did to a stored ticket."""

    at: datetime
    action: str
    actor: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredTicket:
    id: int
    team_id: str
    number: int
    summary: str
    category: str
    priority: str  # the priority it was opened with
    created_at: datetime
    reporter_id: str
    customer: str | None
    steps: tuple[Step, ...]


def _step(kind: TicketEventKind, at: datetime, actor: str | None, detail: dict[str, Any]) -> Step | None:
    if kind == TicketEventKind.REPLIED and actor:
        return Step(at, REPLY, actor, {"text": str(detail.get("text") or "")})
    if kind == TicketEventKind.ESCALATED and not detail.get("automatic") and actor:
        return Step(at, ESCALATE, actor, {"reason": str(detail.get("reason") or "escalated")})
    if kind == TicketEventKind.WAITING_ON_CUSTOMER:
        return Step(at, WAIT, actor)
    if kind == TicketEventKind.RESUMED and not detail.get("by_reply"):  # by reply: the reply resumes it
        return Step(at, RESUME, actor)
    if kind == TicketEventKind.RESOLVED:
        return Step(at, RESOLVE, actor)
    if kind == TicketEventKind.REOPENED:
        return Step(at, REOPEN, actor)
    if kind == TicketEventKind.PRIORITY_CHANGED and detail.get("to"):
        return Step(at, PRIORITY, actor, {"to": str(detail["to"])})
    return None


async def read_history(url: str, *, since: datetime, until: datetime,
                       on_progress: Callable[[int, int], None] | None = None) -> list[StoredTicket]:
    """The tickets opened in [since, until) and what people did to them until ``until``.
    Reads only columns every migrated schema has."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            rows = (await db.execute(select(
                Ticket.id, Ticket.team_id, Ticket.number, Ticket.summary, Ticket.category, Ticket.priority,
                Ticket.created_at, Ticket.reporter_id, Ticket.customer,
            ).where(Ticket.created_at >= since, Ticket.created_at < until).order_by(Ticket.created_at, Ticket.id))).all()
            tickets: list[StoredTicket] = []
            for done, row in enumerate(rows, start=1):
                events = (await db.execute(select(
                    TicketEvent.kind, TicketEvent.at, TicketEvent.actor_id, TicketEvent.detail,
                ).where(TicketEvent.ticket_id == row.id, TicketEvent.at < until)
                    .order_by(TicketEvent.at, TicketEvent.id))).all()
                priority = row.priority
                created = next((e for e in events if e.kind == TicketEventKind.CREATED), None)
                changes = [e for e in events if e.kind == TicketEventKind.PRIORITY_CHANGED]
                if changes and (changes[0].detail or {}).get("from"):
                    priority = str(changes[0].detail["from"])
                elif created is not None and (created.detail or {}).get("priority"):
                    priority = str(created.detail["priority"])
                steps = [s for e in events if (s := _step(e.kind, e.at, e.actor_id, e.detail or {})) is not None]
                tickets.append(StoredTicket(
                    id=row.id, team_id=row.team_id, number=row.number, summary=row.summary, category=row.category,
                    priority=priority, created_at=row.created_at, reporter_id=row.reporter_id, customer=row.customer,
                    steps=tuple(steps)))
                if on_progress is not None:
                    on_progress(done, len(rows))
            return tickets
    finally:
        await engine.dispose()


@dataclass
class Counts:
    """Per priority, how many of each counted effect (``COUNTED``), and tickets replayed."""

    tickets: Counter[str] = field(default_factory=Counter)
    effects: dict[str, Counter[str]] = field(default_factory=dict)

    def of(self, priority: str, what: str) -> int:
        return self.effects.get(priority, Counter())[what]


def replay_policy(config: AppConfig) -> AppConfig:
    """``config`` as the replay runs it (module docstring): no roles, limits nor knowledge base."""
    return config.model_copy(update={"roles": None, "knowledge_base": None,
                                     "limits": Limits(tickets_per_minute="off", incidents_per_minute="off")})


@dataclass
class _Played:
    ticket_id: int
    number: int
    channel_id: str
    message_ts: str


class _Replay:
    def __init__(self, deps: Deps, clock: VirtualClock) -> None:
        self.deps, self.clock = deps, clock
        self.played: dict[int, _Played] = {}
        self.replies = 0

    async def fire_until(self, moment: datetime) -> None:
        """Fire every notification due by ``moment``, each at its own time."""
        while True:
            async with self.deps.sessions() as db:
                due = await next_due_at(db)
            if due is None or due > moment:
                return
            self.clock.now = max(self.clock.now, due)
            await fire_due_notifications(deps=self.deps)

    async def open(self, stored: StoredTicket) -> None:
        form = TicketForm(summary=stored.summary, description=None, category=stored.category,
                          priority=stored.priority, customer=stored.customer)
        ticket = await open_ticket(deps=self.deps, request=NewTicket(team_id=stored.team_id,
                                                                      reporter_id=stored.reporter_id, form=form))
        card = f"{ticket.id}.000000"  # nothing is sent (the relay is paused): the card is where it would be
        async with self.deps.sessions.begin() as db:
            await record_card(db, ticket.id, channel_id=ticket.channel_id or "", message_ts=card)
        self.played[stored.id] = _Played(ticket.id, ticket.number, ticket.channel_id or "", card)

    async def act(self, stored: StoredTicket, step: Step) -> None:
        played = self.played.get(stored.id)
        if played is None:
            return
        deps, team, actor = self.deps, stored.team_id, step.actor or stored.reporter_id
        if step.action == REPLY:
            self.replies += 1
            await record_thread_reply(deps=deps, team_id=team, channel_id=played.channel_id,
                                      thread_ts=played.message_ts, user_id=actor, text=step.detail["text"],
                                      ts=f"{step.at.timestamp():.0f}.{self.replies:06d}")
        elif step.action == ESCALATE:
            await self._escalate(played, actor, step.detail["reason"])
        elif step.action == WAIT:
            await wait_on_customer(deps=deps, team_id=team, actor_id=actor, ticket_id=played.ticket_id)
        elif step.action == RESUME:
            await resume_ticket(deps=deps, team_id=team, actor_id=actor, ticket_id=played.ticket_id)
        elif step.action == RESOLVE:
            await resolve_ticket(deps=deps, team_id=team, ticket_id=played.ticket_id, actor_id=actor,
                                 form=ResolutionForm(resolution="(replayed)"))
        elif step.action == REOPEN:
            await reopen_ticket(deps=deps, team_id=team, ticket_id=played.ticket_id, actor_id=actor)
        elif step.action == PRIORITY:
            await change_ticket_priority(deps=deps, team_id=team, actor_id=actor, number=played.number,
                                         priority=step.detail["to"])

    async def _escalate(self, played: _Played, actor: str, reason: str) -> None:
        """The escalation asked for by hand, as `/escalate` records it (an incident it may have
        declared is not the escalation policy's, and is left out)."""
        async with self.deps.sessions.begin() as db:
            ticket = await get_ticket(db, played.ticket_id, for_update=True)
            if ticket is None:
                return
            escalated = await escalate_in_transaction(db, ticket, deps=self.deps, now=self.clock(), actor_id=actor,
                                                      reason=reason)
        await announce_escalation(deps=self.deps, escalated=escalated)


async def _count(deps: Deps, until: datetime) -> Counts:
    counts = Counts()
    async with deps.sessions() as db:
        for priority, in (await db.execute(select(Ticket.priority))).all():
            counts.tickets[priority] += 1
        rows = (await db.execute(select(Ticket.priority, TicketEvent.kind, TicketEvent.detail)
                                 .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                                 .where(TicketEvent.at <= until))).all()
    for priority, kind, detail in rows:
        detail = detail or {}
        what = {TicketEventKind.SLA_WARNING: "warnings", TicketEventKind.SLA_BREACH: "breaches",
                TicketEventKind.MANAGEMENT_NOTIFIED: "management notices"}.get(kind)
        if kind == TicketEventKind.ESCALATED and detail.get("automatic"):
            what = "automatic escalations"
        if kind == TicketEventKind.PAGED and not detail.get("repeat") and not detail.get("repage_level"):
            what = "pages"
        if what:
            counts.effects.setdefault(priority, Counter())[what] += 1
    return counts


def _unsynced(dbapi_connection: Any, _record: Any) -> None:
    """A throwaway database: no waiting for the disk at each commit."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=OFF")
    finally:
        cursor.close()


async def replay(config: AppConfig, tickets: list[StoredTicket], *, until: datetime,
                 on_progress: Callable[[int, int], None] | None = None) -> Counts:
    """Play ``tickets`` under ``config`` on a virtual clock until ``until``; what it produced."""
    config = replay_policy(config)
    actions = sorted(
        [(t.created_at, 0, i, None) for i, t in enumerate(tickets)]
        + [(s.at, 1, i, s) for i, t in enumerate(tickets) for s in t.steps],
        key=lambda item: (item[0], item[1], item[2]))
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'replay.db'}")
        event.listen(engine.sync_engine, "connect", _unsynced)
        try:
            await upgrade_database(engine)
            clock = VirtualClock(actions[0][0] if actions else until)
            async with make_session_factory(engine).begin() as db:  # what is owed to Slack is never sent
                await pause_relay(db, reason="replay", now=clock(), delay=lambda _attempts: NEVER)
            deps = Deps(sessions=make_session_factory(engine), slack=SimulatedSlack(), config=config, clock=clock,
                        outbox_steps=OUTBOX_STEPS, outbox_renderers=OUTBOX_RENDERERS)
            player = _Replay(deps, clock)
            for done, (at, _order, index, step) in enumerate(actions, start=1):
                await player.fire_until(at)
                clock.now = max(clock.now, at)
                try:
                    if step is None:
                        await player.open(tickets[index])
                    else:
                        await player.act(tickets[index], step)
                except SupportbotError as error:  # e.g. escalated already by the policy, to the path's end
                    log.debug("replay: #%s %s not applied: %s", tickets[index].number,
                              step.action if step else OPEN, error)
                if on_progress is not None:
                    on_progress(done, len(actions))
            await player.fire_until(until)
            return await _count(deps, until)
        finally:
            await engine.dispose()
