"""The App Home tab: `app_home_opened` (tab "home") publishes the user's claimed and
reported tickets and their queues, each line with its SLA status; tab "messages" is
acknowledged and ignored. Also the app.yaml key that puts agents in a tier."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml

from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from models.ticket_queries import get_ticket_by_number
from models.tickets import Ticket, TicketStatus
from tests.conftest import REPO_ROOT
from tests.fakes.slack_requests import TEAM_ID, block_actions_payload
from tests.fakes.slack_views import validate_view
from tests.ticket_steps import REPORTER, create_ticket, mrkdwn_texts

FRONTLINE_AGENT = "U0AGENT01"   # a member of tier1 in app.yaml
LONE_AGENT = "U0LONE"           # in no tier


async def new_ticket(bot, *args, **kwargs) -> Ticket:
    """``create_ticket``, then wait for this ticket's own confirmation: by then its card's
    permalink is stored (``create_ticket`` may return earlier from the second ticket on)."""
    before = len(bot.slack.calls_to("chat.postEphemeral"))
    ticket = await create_ticket(bot, *args, **kwargs)
    await bot.slack.wait_for("chat.postEphemeral", count=before + 1)
    async with bot.runtime.sessions() as db:
        return await get_ticket_by_number(db, TEAM_ID, ticket.number)


async def open_home(bot, user_id: str) -> dict:
    """Open the Home tab as ``user_id``; return the view published for them."""
    before = len(bot.slack.calls_to("views.publish"))
    reply = await bot.sender.event({"type": "app_home_opened", "user": user_id, "channel": "D0HOME",
                                    "tab": "home", "event_ts": "1700000000.000100"})
    assert reply.status == 200
    calls = await bot.slack.wait_for("views.publish", count=before + 1)
    call = calls[-1]
    assert call.ok, call.response
    assert call.args["user_id"] == user_id
    view = call.args["view"]
    assert validate_view(view, kinds=("home",)) == []
    return view


def sections(view: dict) -> dict[str, str]:
    """The home view's lists: title -> the mrkdwn text under it (up to the next title)."""
    found: dict[str, str] = {}
    title = None
    for block in view["blocks"]:
        texts = mrkdwn_texts(block)
        if block["type"] == "section" and texts and texts[0].startswith("*") and "\n" not in texts[0] \
                and texts[0].endswith("*") and "|#" not in texts[0]:
            title = texts[0].strip("*")
            found[title] = ""
        elif title is not None:
            found[title] += "\n".join(texts) + "\n"
    return found


async def update_ticket(bot, number: int, **values) -> None:
    async with bot.runtime.sessions.begin() as db:
        ticket = await get_ticket_by_number(db, TEAM_ID, number, for_update=True)
        for key, value in values.items():
            setattr(ticket, key, value)


async def test_messages_tab_is_acknowledged_and_ignored(bot):
    reply = await bot.sender.event({"type": "app_home_opened", "user": "U0SOMEONE", "channel": "D0HOME",
                                    "tab": "messages"})
    assert reply.status == 200
    await bot.runtime.drain()  # every listener has finished
    assert bot.slack.calls_to("views.publish") == []


async def test_home_shows_claimed_reported_and_the_member_tier_queue(bot):
    await new_ticket(bot, "slow one", priority="P3")                     # #1 tier1
    await new_ticket(bot, "urgent one", priority="P0")                   # #2 tier1
    await new_ticket(bot, "technical", category="Performance issues")    # #3 tier2
    await new_ticket(bot, "to fix", category="Performance issues")       # #4 tier2, claimed
    await update_ticket(bot, 4, assignee_id=FRONTLINE_AGENT, status=TicketStatus.IN_PROGRESS)
    view = await open_home(bot, FRONTLINE_AGENT)
    lists = sections(view)
    assert list(lists) == ["Your claimed tickets", "Tickets you reported", "Queue: Frontline"]
    assert "|#4>*" in lists["Your claimed tickets"] and "In progress, assigned to <@U0AGENT01>" in lists["Your claimed tickets"]
    assert "No open tickets reported by you" in lists["Tickets you reported"]
    queue = lists["Queue: Frontline"]
    assert queue.index("|#2>*") < queue.index("|#1>*") and "|#3>" not in queue
    assert "first response due in 15m" in queue
    assert "`/ticket`" in str(view["blocks"][:2])


async def test_reporter_in_no_tier_sees_their_tickets_and_all_open_tickets(bot):
    await new_ticket(bot, "login", priority="P1")                         # #1 tier1
    await new_ticket(bot, "slow api", category="Performance issues")      # #2 tier2
    await new_ticket(bot, "done")                                         # #3 resolved
    await update_ticket(bot, 3, status=TicketStatus.RESOLVED, resolved_at=bot.clock())
    await update_ticket(bot, 2, reporter_id="U0OTHER")
    bot.clock.advance(timedelta(minutes=70))
    lists = sections(await open_home(bot, REPORTER))
    assert list(lists) == ["Your claimed tickets", "Tickets you reported", "All open tickets"]
    assert "You hold no open tickets." in lists["Your claimed tickets"]
    reported = lists["Tickets you reported"]
    assert "|#1>*" in reported and "|#2>" not in reported and "|#3>" not in reported
    assert "first response overdue by 10m" in reported
    everything = lists["All open tickets"]
    assert "|#1>*" in everything and "|#2>*" in everything and "|#3>" not in everything


async def test_agent_in_no_tier_sees_the_queues_of_the_tickets_they_hold(bot):
    await new_ticket(bot, "login")                                        # #1 tier1
    await new_ticket(bot, "slow api", category="Performance issues")      # #2 tier2
    await new_ticket(bot, "another slow api", category="Performance issues")  # #3 tier2
    await update_ticket(bot, 2, assignee_id=LONE_AGENT)
    lists = sections(await open_home(bot, LONE_AGENT))
    assert list(lists) == ["Your claimed tickets", "Tickets you reported", "Queue: Technical"]
    queue = lists["Queue: Technical"]
    assert "|#2>*" in queue and "|#3>*" in queue and "|#1>" not in queue


async def test_lists_are_capped_with_a_count_of_the_rest(bot):
    now = bot.clock()
    async with bot.runtime.sessions.begin() as db:
        for number in range(1, 21):
            due = now + timedelta(minutes=number)
            db.add(Ticket(team_id=TEAM_ID, number=number, summary="x" * 140, category="Login problems",
                          priority="P2", tier="tier1", status=TicketStatus.NEW, reporter_id=FRONTLINE_AGENT,
                          assignee_id=FRONTLINE_AGENT, created_at=now, updated_at=now,
                          permalink=f"https://fake.slack.com/archives/C0TIER1FL/p{number}",
                          first_response_due_at=due, resolution_due_at=due + timedelta(hours=8)))
    view = await open_home(bot, FRONTLINE_AGENT)
    assert len(view["blocks"]) <= 100
    lists = sections(view)
    for title in ("Your claimed tickets", "Tickets you reported", "Queue: Frontline"):
        shown = [n for n in range(1, 21) if f"|#{n}>*" in lists[title]]
        assert shown == list(range(1, 16)), title
        assert "… and 5 more" in lists[title]


async def test_home_escapes_user_text(bot):
    await new_ticket(bot, "<!channel> <@U123> & friends")
    view = await open_home(bot, REPORTER)
    rendered = " ".join(mrkdwn_texts(view["blocks"]))
    assert "<!channel>" not in rendered and "<@U123>" not in rendered
    assert "&lt;!channel&gt; &lt;@U123&gt; &amp; friends" in rendered


async def test_home_is_republished_with_fresh_state_on_each_opening(bot):
    await new_ticket(bot, "login")
    first = sections(await open_home(bot, FRONTLINE_AGENT))
    assert "You hold no open tickets." in first["Your claimed tickets"]
    await update_ticket(bot, 1, assignee_id=FRONTLINE_AGENT)
    second = sections(await open_home(bot, FRONTLINE_AGENT))
    assert "|#1>*" in second["Your claimed tickets"]
    assert bot.slack.home_tabs[FRONTLINE_AGENT]["id"]  # one home view per user, updated in place


# --------------------------------------------------------------------------- app.yaml


def _policy() -> dict:
    with open(REPO_ROOT / "app.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_tier_members_are_optional_slack_user_ids():
    data = _policy()
    data["tiers"][2]["members"] = ["U0ENG1", "W0ENTERPRISE"]
    config = parse_config(data)
    assert config.tier("tier3").members == ["U0ENG1", "W0ENTERPRISE"]
    assert config.tier("tier4").members == []


def test_a_tier_member_that_is_not_a_user_id_is_a_config_problem():
    data = _policy()
    data["tiers"][0]["members"] = ["U0GOOD", "@alice"]
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.problems == ["tiers[0].members[1]: '@alice' is not a Slack user id (like U0123ABCDE)"]


async def test_a_queue_is_paged_nearest_deadline_first(bot):
    """#23: a tier's queue on the tab pages through its open tickets, nearest deadline
    first, with Next / Previous buttons; the other lists keep their first page."""
    now = bot.clock()
    async with bot.runtime.sessions.begin() as db:
        for number in range(1, 41):  # due in reverse order of their numbers
            due = now + timedelta(minutes=100 - number)
            db.add(Ticket(team_id=TEAM_ID, number=number, summary=f"queue {number}", category="Login problems",
                          priority="P2", tier="tier1", status=TicketStatus.NEW, reporter_id=REPORTER,
                          created_at=now, updated_at=now, first_response_due_at=due,
                          resolution_due_at=due + timedelta(hours=8)))
    order = list(range(40, 0, -1))
    view = await open_home(bot, FRONTLINE_AGENT)

    async def click(view: dict, label: str) -> dict:
        [button] = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                    if e["text"]["text"].startswith(label)]
        before = len(bot.slack.calls_to("views.publish"))
        payload = block_actions_payload(button["action_id"], button["value"], user_id=FRONTLINE_AGENT, view=view)
        assert (await bot.sender.interactive(payload)).status == 200
        calls = await bot.slack.wait_for("views.publish", count=before + 1)
        assert validate_view(calls[-1].args["view"], kinds=("home",)) == []
        return calls[-1].args["view"]

    def shown(view: dict) -> list[int]:
        return [int(n) for n in re.findall(r"queue (\d+)", sections(view)["Queue: Frontline"])]

    assert shown(view) == order[:15]
    second = await click(view, "Next")
    assert shown(second) == order[15:30]
    assert "Showing 16–30 of 40, nearest deadline first." in "\n".join(t for b in second["blocks"]
                                                                       for t in mrkdwn_texts(b))
    third = await click(second, "Next")
    assert shown(third) == order[30:]
    assert not [e for b in third["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["text"]["text"].startswith("Next")]
    assert shown(await click(third, "‹ Previous")) == order[15:30]


async def test_a_forged_page_button_shows_the_first_page(bot):
    click = block_actions_payload("home_queue_next", "tier1:not-a-number", user_id=FRONTLINE_AGENT,
                                  view={"id": "V1", "type": "home"})
    reply = await bot.sender.interactive(click)
    assert reply.status == 200
    [call] = await bot.slack.wait_for("views.publish")
    assert call.args["user_id"] == FRONTLINE_AGENT
