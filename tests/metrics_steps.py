"""Steps the metrics and report tests share: the desk's people and timers, on the fake clock."""

from __future__ import annotations

from datetime import datetime

from models.ticket_queries import get_ticket
from tests.ticket_steps import REPORTER
from tests.waiting import until
from workflows.tickets.messages.resolve_form import ResolutionForm
from workflows.escalation.record import escalate_ticket
from workflows.sla.engine import fire_due_notifications
from workflows.tickets.lifecycle import rate_ticket, resolve_ticket

AGENT = "U0AGENT07"


class Desk:
    """The bot, driven the way people and timers drive it."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.deps = bot.runtime.deps

    async def at(self, when: datetime) -> None:
        """Move the clock and let the SLA engine fire what fell due (as its timer would)."""
        self.bot.clock.set(when)
        await fire_due_notifications(deps=self.deps)
        await self.bot.runtime.drain()

    async def reload(self, ticket):
        async with self.bot.runtime.sessions() as db:
            return await get_ticket(db, ticket.id)

    async def reply(self, ticket) -> None:
        """An agent answers in the card's thread (a signed Events API message)."""
        event = self.bot.slack.add_message(ticket.channel_id, "Looking into it", user=AGENT,
                                           thread_ts=ticket.message_ts)
        assert (await self.bot.sender.event(event)).status == 200

        async def recorded() -> bool:
            return (await self.reload(ticket)).first_response_at is not None
        await until(recorded, what=f"the first response on #{ticket.number}")

    async def resolve(self, ticket) -> None:
        await resolve_ticket(deps=self.deps, team_id=ticket.team_id, ticket_id=ticket.id, actor_id=AGENT,
                             form=ResolutionForm(resolution="Fixed"))

    async def rate(self, ticket, rating: int) -> None:
        await rate_ticket(deps=self.deps, team_id=ticket.team_id, ticket_id=ticket.id, rating=rating,
                          actor_id=REPORTER, channel_id=None, message_ts=None)

    async def escalate(self, ticket) -> None:
        await escalate_ticket(deps=self.deps, team_id=ticket.team_id, actor_id=AGENT, reason="needs engineering",
                              ticket_id=ticket.id)
