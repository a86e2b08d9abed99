"""Business-hours targets in days and weeks (#24), through signed Slack requests: the card
shows the due moment `supportbot simulate` prints, and priority changes and reopenings use
working days; a policy reload leaves the due times of open tickets alone unless their own
target changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import update

from bot.reload import reload_policy
from bot.simulation import simulate
from models.tickets import Ticket
from tests.conftest import REPO_ROOT
from tests.sla_steps import AGENT, TEAM_ID, ask, card_field, reload
from tests.ticket_steps import create_ticket
from workflows.policy.calendars import calendar_for
from workflows.sla.schedule import schedule_ticket_sla
from bot.simulation import Scenario
from workflows.tickets.lifecycle import reopen_ticket_by_number, resolve_ticket
from workflows.tickets.messages.resolve_form import ResolutionForm

NY = ZoneInfo("America/New_York")
CREATED = datetime(2026, 12, 8, 10, 0, tzinfo=NY).astimezone(UTC)   # Tue 2026-12-08 10:00 New York
FIVE_WORKING_DAYS_LATER = datetime(2026, 12, 15, 10, 0, tzinfo=NY).astimezone(UTC)
_DUE = re.compile(r"Due <!date\^(\d+)\^")


def due_on_card(bot, ticket, field: str) -> datetime:
    [epoch] = _DUE.findall(card_field(bot, ticket, field))
    return datetime.fromtimestamp(int(epoch), UTC)


def simulated_due(lines: list[str], clock: str, config) -> datetime:
    [line] = [line for line in lines if f"  {clock} due " in line]
    when = re.search(rf"{clock} due \w+ (\d{{4}}-\d\d-\d\d \d\d:\d\d) ", line).group(1)
    return datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=config.zone).astimezone(UTC)


async def test_the_card_shows_the_due_time_simulate_prints(bot, clock, config):
    clock.set(CREATED)
    ticket = await create_ticket(bot, "Export button greyed out", category="Login problems", priority="P3")
    lines = await simulate(config, Scenario(priority="P3", category="Login problems", created=CREATED))

    assert simulated_due(lines, "resolution", config) == FIVE_WORKING_DAYS_LATER
    assert due_on_card(bot, ticket, "Resolution") == FIVE_WORKING_DAYS_LATER
    assert ticket.resolution_due_at == FIVE_WORKING_DAYS_LATER
    # The first response (24h of working time) agrees too: Thu 2026-12-10 14:00.
    assert due_on_card(bot, ticket, "First response") == simulated_due(lines, "first response", config)
    assert ticket.first_response_due_at == datetime(2026, 12, 10, 14, 0, tzinfo=NY).astimezone(UTC)


async def test_a_priority_change_and_a_reopening_count_working_days(bot, clock):
    clock.set(CREATED)
    ticket = await create_ticket(bot, "Slow search", category="Login problems", priority="P2")
    clock.set(CREATED + timedelta(hours=1))
    await ask(bot, f"priority #{ticket.number} P3")
    assert (await reload(bot, ticket.id)).resolution_due_at == FIVE_WORKING_DAYS_LATER
    assert due_on_card(bot, ticket, "Resolution") == FIVE_WORKING_DAYS_LATER

    await resolve_ticket(deps=bot.runtime.deps, team_id=TEAM_ID, ticket_id=ticket.id, actor_id=AGENT,
                         form=ResolutionForm(resolution="done", root_cause=None, follow_up=None))
    reopened_at = clock.set(datetime(2026, 12, 11, 16, 30, tzinfo=NY).astimezone(UTC))  # Friday
    await reopen_ticket_by_number(deps=bot.runtime.deps, team_id=TEAM_ID, number=ticket.number, actor_id=AGENT)
    # A fresh 1w from Friday 16:30: Mon 14, Tue 15, Wed 16, Thu 17, Fri 18 at 16:30.
    assert (await reload(bot, ticket.id)).resolution_due_at == reopened_at + timedelta(weeks=1)


def write_policy(tmp_path, **p3) -> str:
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["priorities"]["P3"].update(p3)
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(policy))
    return str(path)


async def test_a_reload_keeps_the_due_times_an_open_ticket_was_given(bot, clock, tmp_path):
    clock.set(CREATED)
    ticket = await create_ticket(bot, "Old ticket", category="Login problems", priority="P3")
    # As a ticket opened before #24 stored it: 1w as 168 working hours, Mon 2027-01-04 18:00.
    old_due = calendar_for(bot.runtime.config).add_working_time(CREATED, timedelta(weeks=1))
    async with bot.runtime.sessions.begin() as db:
        await db.execute(update(Ticket).where(Ticket.id == ticket.id).values(resolution_due_at=old_due))
        await schedule_ticket_sla(db, await db.get(Ticket, ticket.id), bot.runtime.config)

    assert await reload_policy(bot.runtime, write_policy(tmp_path, warn_at=0.5))
    after_warn_at = await reload(bot, ticket.id)
    assert (after_warn_at.first_response_due_at, after_warn_at.resolution_due_at) == \
        (ticket.first_response_due_at, old_due)

    assert await reload_policy(bot.runtime, write_policy(tmp_path, warn_at=0.5, first_response="16h"))
    after_first = await reload(bot, ticket.id)
    assert after_first.first_response_due_at == datetime(2026, 12, 9, 16, 0, tzinfo=NY).astimezone(UTC)
    assert after_first.resolution_due_at == old_due

    # Its own resolution target edited: computed again, with today's meaning (working days).
    assert await reload_policy(bot.runtime, write_policy(tmp_path, warn_at=0.5, first_response="16h",
                                                         resolution="2w"))
    assert (await reload(bot, ticket.id)).resolution_due_at == datetime(2026, 12, 22, 10, 0, tzinfo=NY).astimezone(UTC)
