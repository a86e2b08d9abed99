"""`supportbot simulate`: what the bot would do to one ticket, from app.yaml alone.

One ticket goes through the live SLA engine on a virtual clock: ``run_scenario`` drives
the very functions the bot runs (open_ticket, record_thread_reply, resolve_ticket, and
the deadline timer's sweeps: fire_due_notifications, close_resolved_tickets,
remind_quiet_tickets), stepping the clock from deadline to deadline as the timer would
wake (the due moments come from the same functions: next_due_at, next_close_due,
next_update_due), against a throwaway SQLite database and a Slack stand-in that records
instead of sending. Nobody writes in the ticket's thread but the agent who replies
(``responds_after``), and the reporter never answers: a quiet thread is reminded after
``tickets.update_every`` (once per quiet period, as the bot does), and a resolved ticket
(``resolved_after``) closes ``tickets.close_after`` after its resolution. What it
recorded becomes a plain-text timeline in the policy's timezone, with what the ticket's
own timeline adds that no new message shows: a page triggered or updated (``•
on-call paged``, ``• page updated``), an automatic escalation due at the end of the path
(``• not escalated``). (``--replay``, the stored tickets under two policies: ``bot/replay.py``.)
"""

from __future__ import annotations

import inspect
import itertools
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import func, select

from bot.database import make_engine, make_session_factory, upgrade_database
from bot.runtime import OUTBOX_RENDERERS, OUTBOX_STEPS
from models.sla_queries import next_due_at
from models.tickets import TicketEvent, TicketEventKind
from workflows.deps import Deps
from workflows.policy.explain import target_meaning
from workflows.policy.plans import plan_policy
from workflows.policy.schema import AppConfig
from workflows.sla.engine import fire_due_notifications
from workflows.sla.targets import sla_targets
from workflows.tickets.closing import close_resolved_tickets, next_close_due
from workflows.tickets.intake import NewTicket, open_ticket
from workflows.tickets.lifecycle import resolve_ticket
from workflows.tickets.messages.form import TicketForm
from workflows.tickets.messages.resolve_form import ResolutionForm
from workflows.tickets.reminders import next_update_due, remind_quiet_tickets
from workflows.tickets.thread import record_thread_reply

SIM_TEAM = "T0SIMULATION"
SIM_REPORTER = "U0REPORTER"
SIM_AGENT = "U0AGENT"


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Scenario:
    priority: str
    category: str
    created: datetime
    responds_after: timedelta | None = None
    horizon: timedelta = timedelta(days=30)
    plan: str | None = None  # the ticket of a customer on this plan (app.yaml ``plans``)
    resolved_after: timedelta | None = None  # an agent resolves it this long after its opening


#: What happens to the simulated ticket at a set moment (not a timer), in this order when two coincide.
_REPLY, _RESOLVE = "an agent replies in the ticket thread", "an agent resolves the ticket"


@dataclass(frozen=True)
class DueMoment:
    """A clock of the opened ticket: when it is due, and its target in words
    ("first response", due_at, "24h = 24 working hours ≈ 2.4 working days")."""

    clock: str
    due_at: datetime
    meaning: str


async def run_scenario(*, deps: Deps, clock: VirtualClock, scenario: Scenario, on_step,
                       on_due: Callable[[DueMoment], None] | None = None) -> None:
    """Open the ticket, then wake at each deadline (and at the agent's reply) until none is left.

    ``on_step(moment, label)`` (a function or a coroutine function) is called before each step so the caller can attribute
    what the stand-in Slack records to the moment it happened; ``on_due`` once per SLA
    clock of the ticket just opened, with the due time it stores (what its card shows).
    """
    clock.now = scenario.created
    await _call(on_step, clock.now, "ticket opened")
    form = TicketForm(summary=f"Simulated {scenario.priority} ticket", description=None,
                      category=scenario.category, priority=scenario.priority, customer=None)
    ticket = await open_ticket(deps=deps, request=NewTicket(team_id=SIM_TEAM, reporter_id=SIM_REPORTER, form=form,
                                                            plan=scenario.plan))
    if on_due is not None:
        config = plan_policy(deps.config, scenario.plan)
        business_hours = config.priority(scenario.priority).business_hours
        targets = sla_targets(config, scenario.priority, scenario.category)
        for name, due_at, target in (("first response", ticket.first_response_due_at, targets[0]),
                                     ("resolution", ticket.resolution_due_at, targets[1])):
            if due_at is not None:
                on_due(DueMoment(name, due_at, target_meaning(target, business_hours=business_hours,
                                                              hours=config.business_hours)))
    acts = sorted(((scenario.created + after, order, label) for order, (after, label) in enumerate(
        ((scenario.responds_after, _REPLY), (scenario.resolved_after, _RESOLVE))) if after is not None))
    end = scenario.created + scenario.horizon
    close_after = deps.config.tickets.close_after
    if scenario.resolved_after is not None and close_after is not None:  # see it close
        end = max(end, scenario.created + scenario.resolved_after + close_after)
    while True:
        due = await next_deadline(deps)
        if acts and (due is None or acts[0][0] <= due):
            moment, _, label = acts.pop(0)
            clock.now = max(clock.now, moment)
            await _call(on_step, clock.now, label)
            if label == _REPLY:
                await record_thread_reply(deps=deps, team_id=SIM_TEAM, channel_id=ticket.channel_id or "",
                                          thread_ts=ticket.message_ts or "", user_id=SIM_AGENT,
                                          ts=f"{clock.now.timestamp():.6f}", text="(simulated reply)")
            else:
                await resolve_ticket(deps=deps, team_id=SIM_TEAM, ticket_id=ticket.id, actor_id=SIM_AGENT,
                                     form=ResolutionForm(resolution="(simulated resolution)"))
            continue
        if due is None or due > end:
            return
        clock.now = max(clock.now, due)
        await _call(on_step, clock.now, None)
        await fire_deadlines(deps)


async def next_deadline(deps: Deps) -> datetime | None:
    """The next moment the deadline timer would wake for (``bot/deadline_timer.py``): an SLA
    notification, a resolved ticket closing, a quiet thread's reminder."""
    async with deps.sessions() as db:
        due = [t for t in (await next_due_at(db), await next_close_due(db, deps=deps),
                           await next_update_due(db, deps=deps)) if t is not None]
    return min(due) if due else None


async def fire_deadlines(deps: Deps) -> None:
    """What the deadline timer runs when it wakes (``bot/deadline_timer.run_deadline_timers``)."""
    await fire_due_notifications(deps=deps)
    await close_resolved_tickets(deps=deps)
    await remind_quiet_tickets(deps=deps)


async def _call(on_step, moment: datetime, label: str | None) -> None:
    result = on_step(moment, label)
    if inspect.isawaitable(result):
        await result


class SimulatedSlack(AsyncWebClient):
    """Answers every Web API call locally and records the messages it was asked to post."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-simulation", base_url="http://simulation.invalid/api/")
        self.posts: list[tuple[str, dict[str, Any]]] = []
        # Shared with the copies the outbox relay makes of its client: every ts stays unique.
        self._ts = itertools.count(1_000_000_001)

    async def api_call(self, api_method: str, *, http_verb: str = "POST", files=None, data=None, params=None,
                       json=None, headers=None, auth=None) -> AsyncSlackResponse:
        args = {**(params or {}), **(data or {}), **(json or {})}
        ts = f"{next(self._ts)}.000000"
        if api_method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            self.posts.append((api_method, args))
        payload: dict[str, Any] = {"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts,
                                   "permalink": f"https://slack.invalid/archives/{args.get('channel')}/p{ts}"}
        return AsyncSlackResponse(client=self, http_verb=http_verb, api_url=api_method, req_args=args,
                                  data=payload, headers={}, status_code=200)


_DATE = re.compile(r"<!date\^(\d+)\^[^|]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


@dataclass
class Timeline:
    config: AppConfig
    lines: list[str] = field(default_factory=list)

    def channel_name(self, channel: str) -> str:
        tier = self.config.tier_by_channel(channel)
        if tier:
            return f"#{tier.id} ({tier.name})"
        for name in ("triage", "incidents", "oncall"):
            if getattr(self.config.channels, name) == channel:
                return f"#{name}"
        return f"DM {channel}" if channel.startswith("U") else channel

    def when(self, moment: datetime) -> str:
        return moment.astimezone(self.config.zone).strftime("%a %Y-%m-%d %H:%M %Z")

    def add(self, moment: datetime, what: str) -> None:
        self.lines.append(f"{self.when(moment)}  {what}")


def _plain(text: str, timeline: Timeline) -> str:
    """Slack markup as a terminal shows it: dates in the policy's zone, links as labels."""
    text = _DATE.sub(lambda m: timeline.when(datetime.fromtimestamp(int(m.group(1)), UTC)), text)
    text = _LINK.sub(lambda m: m.group(2), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def _timeline_notes(deps: Deps, *, after: list[int]) -> list[tuple[datetime, str]]:
    """Timeline rows since the last call (``after[0]``: the last id seen) that no Slack
    message shows on its own: pages triggered or updated, escalations not made."""
    async with deps.sessions() as db:
        rows = (await db.execute(select(TicketEvent).where(
            TicketEvent.id > after[0],
            TicketEvent.kind.in_([TicketEventKind.PAGED, TicketEventKind.NOT_ESCALATED]),
        ).order_by(TicketEvent.id))).scalars().all()
        last = (await db.execute(select(func.max(TicketEvent.id)))).scalar()
    after[0] = last or after[0]
    notes = []
    for row in rows:
        detail = row.detail or {}
        if row.kind == TicketEventKind.NOT_ESCALATED:
            notes.append((row.at, f"• not escalated ({detail.get('reason')}): the end of its escalation path"))
        elif not detail.get("repage_level"):
            what = "page updated" if detail.get("repeat") else "on-call paged"
            notes.append((row.at, f"• {what}: {detail.get('reason')}"))
    return notes


async def simulate(config: AppConfig, scenario: Scenario) -> list[str]:
    """The timeline of what the bot would post for ``scenario``, one line per effect."""
    if config.roles is not None:  # the simulated agent is one, whoever app.yaml names (an admin may do everything)
        config = config.model_copy(update={"roles": config.roles.model_copy(
            update={"admins": [*config.roles.admins, SIM_AGENT]})})
    timeline = Timeline(config)
    slack = SimulatedSlack()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'simulation.db'}")
        try:
            await upgrade_database(engine)
            clock = VirtualClock(scenario.created)
            deps = Deps(sessions=make_session_factory(engine), slack=slack, config=config, clock=clock,
                        outbox_steps=OUTBOX_STEPS, outbox_renderers=OUTBOX_RENDERERS)
            seen, events = 0, [0]

            async def flush(moment: datetime) -> None:
                nonlocal seen
                for at, line in await _timeline_notes(deps, after=events):
                    timeline.add(at, line)
                for method, args in slack.posts[seen:]:
                    if method != "chat.postMessage":
                        continue
                    where = timeline.channel_name(str(args.get("channel")))
                    where += " thread" if args.get("thread_ts") else ""
                    text = _plain(str(args.get("text", "")), timeline).replace("\n", "\n" + " " * 26)
                    timeline.add(moment, f"→ {where}: {text}")
                seen = len(slack.posts)

            last = [scenario.created]

            async def on_step(moment: datetime, label: str | None) -> None:
                await flush(last[0])
                last[0] = moment
                if label:
                    timeline.add(moment, label)

            def on_due(due: DueMoment) -> None:
                timeline.add(scenario.created, f"{due.clock} due {timeline.when(due.due_at)} ({due.meaning})")

            await run_scenario(deps=deps, clock=clock, scenario=scenario, on_step=on_step, on_due=on_due)
            await flush(last[0])
        finally:
            await engine.dispose()
    return timeline.lines
