"""The App Home tab, published for one user when they open it.

    await publish_home(deps=deps, team_id="T1", user_id="U1")

It shows the user's claimed tickets, the open tickets they reported, and queues: one
per tier that lists the user in ``members`` (app.yaml), else the tiers of the tickets
they hold, else all open tickets. A private ticket the user may not see
(``workflows/access/privacy.py``) is listed without its summary. Lists are capped (``HOME_SECTION_LIMIT``) with a count
of the rest; a queue is paged, nearest deadline first (``page``: a queue's key and the
offset its Next / Previous button asked for; the other queues show their first page).
A Slack failure to publish is logged; nothing else depends on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from workflows.policy.schema import AppConfig
from models.ticket_lists import (
    claimed_open_tickets,
    open_queue,
    reported_open_tickets,
    tiers_of_claimed_tickets,
)
from workflows.home.messages import HomeSection, QueuePage, build_home_view
from workflows.block_text import escape
from workflows.tickets.messages.card import tier_label
from workflows.deps import Deps
from workflows.access.roles import roles_of
from workflows.access.privacy import hidden_ticket_ids

__all__ = ["HOME_SECTION_LIMIT", "HomeQueue", "home_queues", "publish_home"]

log = logging.getLogger(__name__)

HOME_SECTION_LIMIT = 15


@dataclass(frozen=True)
class HomeQueue:
    """A queue on the home tab: its title and tiers (None in them: triage; None: all)."""

    title: str
    tier_ids: list[str | None] | None
    hint: str = ""

    @property
    def key(self) -> str:
        """What its page buttons name it by: its tier, ``triage`` or ``all``."""
        if self.tier_ids is None:
            return "all"
        return ",".join(tier or "triage" for tier in self.tier_ids)


def home_queues(config: AppConfig, user_id: str, claimed_tiers: Iterable[str | None]) -> list[HomeQueue]:
    """The queues ``user_id`` sees: their tiers (``members``), else the tiers of the
    tickets they hold (in app.yaml's order, triage first), else all open tickets."""
    member_of = [tier for tier in config.tiers if user_id in tier.members]
    if member_of:
        return [HomeQueue(f"Queue: {escape(tier.name)}", [tier.id], f" (`/ticket queue {tier.id}` lists more)")
                for tier in member_of]
    order = {tier.id: index for index, tier in enumerate(config.tiers)}
    held = sorted(set(claimed_tiers), key=lambda tid: (tid is not None, order.get(tid or "", len(order)), tid or ""))
    if held:
        return [HomeQueue(f"Queue: {escape(tier_label(config, tid))}", [tid],
                          f" (`/ticket queue {tid or 'triage'}` lists more)") for tid in held]
    return [HomeQueue("All open tickets", None, " (`/ticket queue` lists more)")]


async def publish_home(*, deps: Deps, team_id: str, user_id: str, page: tuple[str, int] | None = None) -> None:
    """Build ``user_id``'s home tab from the database and publish it (views.publish);
    ``page``: (queue key, offset) asked for by a page button."""
    now = deps.clock()
    async with deps.sessions() as db:
        claimed = await claimed_open_tickets(db, team_id, user_id, limit=HOME_SECTION_LIMIT)
        reported = await reported_open_tickets(db, team_id, user_id, limit=HOME_SECTION_LIMIT)
        queues = home_queues(deps.config, user_id, await tiers_of_claimed_tickets(db, team_id, user_id))
        sections = [
            HomeSection("Your claimed tickets", claimed, "You hold no open tickets.", " (`/ticket mine` lists more)"),
            HomeSection("Tickets you reported", reported,
                        "No open tickets reported by you. `/ticket mine` also lists resolved ones.",
                        " (`/ticket mine` lists more)"),
        ]
        for queue in queues:
            offset = page[1] - page[1] % HOME_SECTION_LIMIT if page is not None and page[0] == queue.key else 0
            tickets = await open_queue(db, team_id, tier_ids=queue.tier_ids, limit=HOME_SECTION_LIMIT, offset=offset)
            if offset and not tickets.tickets:  # the queue shrank since the button was drawn: its first page
                tickets = await open_queue(db, team_id, tier_ids=queue.tier_ids, limit=HOME_SECTION_LIMIT)
            sections.append(HomeSection(queue.title, tickets, "No open tickets in this queue.", queue.hint,
                                        page=QueuePage(queue.key, HOME_SECTION_LIMIT)))
    actor = await roles_of(deps=deps, user_id=user_id)
    hidden = frozenset().union(*(hidden_ticket_ids(actor, section.tickets.tickets) for section in sections))
    view = build_home_view(sections, now=now, hidden=hidden)
    try:  # direct: the tab is rendered from state again on every open, so a lost publish is redone then
        await deps.slack.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        log.warning("could not publish the home tab of %s: %s", user_id, error.response.get("error"))
