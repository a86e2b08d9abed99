"""The policy simulator: one ticket through the live SLA engine on a virtual clock.

It drives the very functions the bot runs (open_ticket, record_thread_reply,
fire_due_notifications) against a throwaway database and a Slack stand-in that
records what would have been posted, stepping the clock from deadline to deadline.
The due times it reports are the ones the opened ticket stores (what its card shows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.sla_queries import next_due_at
from workflows.policy.explain import target_meaning
from workflows.sla.targets import sla_targets
from workflows.tickets.messages.form import TicketForm
from workflows.deps import Deps
from workflows.sla.engine import fire_due_notifications
from workflows.tickets.intake import NewTicket, open_ticket
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

    ``on_step(moment, label)`` is called before each step so the caller can attribute
    what the stand-in Slack records to the moment it happened; ``on_due`` once per SLA
    clock of the ticket just opened, with the due time it stores.
    """
    clock.now = scenario.created
    on_step(clock.now, "ticket opened")
    form = TicketForm(summary=f"Simulated {scenario.priority} ticket", description=None,
                      category=scenario.category, priority=scenario.priority, customer=None)
    ticket = await open_ticket(deps=deps, request=NewTicket(team_id=SIM_TEAM, reporter_id=SIM_REPORTER, form=form))
    if on_due is not None:
        config = deps.config
        business_hours = config.priority(scenario.priority).business_hours
        targets = sla_targets(config, scenario.priority, scenario.category)
        for name, due_at, target in (("first response", ticket.first_response_due_at, targets[0]),
                                     ("resolution", ticket.resolution_due_at, targets[1])):
            if due_at is not None:
                on_due(DueMoment(name, due_at, target_meaning(target, business_hours=business_hours,
                                                              hours=config.business_hours)))
    reply_at = scenario.created + scenario.responds_after if scenario.responds_after is not None else None
    end = scenario.created + scenario.horizon
    while True:
        async with deps.sessions() as db:
            due = await next_due_at(db)
        if reply_at is not None and (due is None or reply_at <= due):
            clock.now = reply_at
            on_step(clock.now, "an agent replies in the ticket thread")
            await record_thread_reply(deps=deps, team_id=SIM_TEAM, channel_id=ticket.channel_id or "",
                                      thread_ts=ticket.message_ts or "", user_id=SIM_AGENT,
                                      ts=f"{reply_at.timestamp():.6f}", text="(simulated reply)")
            reply_at = None
            continue
        if due is None or due > end:
            return
        clock.now = max(clock.now, due)
        on_step(clock.now, None)
        await fire_due_notifications(deps=deps)
