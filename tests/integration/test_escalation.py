"""/escalate and the card's Escalate button, as an agent meets them in Slack."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from models.tickets import Ticket, TicketEvent, TicketStatus
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import block_actions_payload, view_submission_payload
from tests.ticket_steps import create_ticket, mrkdwn_texts
from tests.waiting import drain
from tests.waiting import until

AGENT = "U0AGENT"


async def escalate(bot, text: str, name: str = "esc") -> dict:
    url = bot.slack.response_url(name)
    reply = await bot.sender.slash("/escalate", text, user_id=AGENT, channel_id="C0TIER1FL", response_url=url)
    assert reply.status == 200
    return (await bot.slack.wait_for_response(name))[-1]


async def reload(bot, ticket_id: int) -> Ticket:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).where(Ticket.id == ticket_id))).scalar_one()


async def test_escalate_moves_the_ticket_to_the_next_tier_and_posts_the_request(bot, config, clock):
    ticket = await create_ticket(bot, "Checkout fails", category="Payment failed", priority="P1", customer="ACME")
    clock.advance(timedelta(minutes=50))
    await bot.sender.event({"type": "message", "channel": ticket.channel_id, "user": AGENT, "text": "tried a reset",
                            "ts": "1800000000.000100", "thread_ts": ticket.message_ts})
    answer = await escalate(bot, f"#{ticket.number} card declined for every customer impact: all EU checkouts")
    next_tier = config.next_tier("Payment failed", ticket.tier)
    assert answer["text"].startswith(f"Escalated #{ticket.number} to *{next_tier.name}*")
    await drain(bot)  # the request, the card and the thread note go through the outbox after the answer
    request = bot.slack.messages(next_tier.channel)[-1]
    body = " ".join(mrkdwn_texts(request["blocks"]))
    for expected in (f"#{ticket.number}", "ACME", "Checkout fails", "P1 · High", "50m", "card declined for every customer",
                     "all EU checkouts", next_tier.name, f"<@{AGENT}>", ticket.permalink):
        assert expected in body, expected
    moved = await reload(bot, ticket.id)
    assert moved.tier == next_tier.id and moved.escalation_count == 1
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    assert next_tier.name in " ".join(mrkdwn_texts(card["blocks"]))
    note = bot.slack.thread(ticket.channel_id, ticket.message_ts)[-1]
    assert "escalated" in note["text"] and next_tier.name in note["text"]
    async with bot.runtime.sessions() as db:
        row = (await db.execute(select(TicketEvent).where(TicketEvent.kind == "escalated"))).scalar_one()
    assert row.actor_id == AGENT and row.detail["from"] == ticket.tier and row.detail["to"] == next_tier.id
    assert row.at == clock()


async def test_escalation_walks_the_path_and_stops_at_its_end(bot, config):
    ticket = await create_ticket(bot, category="Account compromise", priority="P1")
    path = [t.name for t in config.escalation_path("Account compromise")]
    for _ in range(len(path) - 1):
        answer = await escalate(bot, f"#{ticket.number} needs more hands", name=f"e{_}")
        assert answer["text"].startswith("Escalated")
    answer = await escalate(bot, f"#{ticket.number} again", name="last")
    assert answer["text"] == f":warning: #{ticket.number} is already at the last tier of its escalation path ({path[-1]})."
    assert (await reload(bot, ticket.id)).escalation_count == len(path) - 1


async def test_unknown_ticket_changes_nothing(bot):
    posted = len(bot.slack.calls_to("chat.postMessage"))
    answer = await escalate(bot, "#99 please")
    assert answer["text"] == ":warning: Ticket #99 not found."
    assert answer["response_type"] == "ephemeral"
    assert len(bot.slack.calls_to("chat.postMessage")) == posted


async def test_missing_reason_is_refused(bot):
    ticket = await create_ticket(bot)
    answer = await escalate(bot, f"#{ticket.number}")
    assert f"Say why #{ticket.number} needs the next tier" in answer["text"]
    assert (await reload(bot, ticket.id)).escalation_count == 0


async def test_resolved_ticket_cannot_be_escalated(bot):
    ticket = await create_ticket(bot)
    async with bot.runtime.sessions.begin() as db:
        await db.execute(update(Ticket).where(Ticket.id == ticket.id).values(status=TicketStatus.RESOLVED))
    answer = await escalate(bot, f"#{ticket.number} still broken")
    assert "is resolved; reopen it" in answer["text"]
    assert (await reload(bot, ticket.id)).tier == ticket.tier


async def test_bare_escalate_opens_a_modal_that_escalates(bot, config):
    ticket = await create_ticket(bot)
    await bot.sender.slash("/escalate", "", user_id=AGENT)
    await bot.slack.wait_for("views.open", count=2)
    view = bot.slack.latest_view()
    empty = await bot.sender.interactive(view_submission_payload(view, view_state(view, {"Ticket number": "x"}), user_id=AGENT))
    assert set(empty.json()["errors"]) == {"escalate_ticket", "escalate_reason"}
    state = view_state(view, {"Ticket number": f"#{ticket.number}", "Reason": "<!channel> stuck"})
    reply = await bot.sender.interactive(view_submission_payload(view, state, user_id=AGENT))
    assert reply.status == 200 and not reply.body
    next_tier = config.next_tier(ticket.category, ticket.tier)
    await bot.slack.wait_for("chat.postMessage", count=4)
    request = bot.slack.messages(next_tier.channel)[-1]
    assert "&lt;!channel&gt; stuck" in " ".join(mrkdwn_texts(request["blocks"]))
    assert "<!channel>" not in " ".join(mrkdwn_texts(request["blocks"]))


async def test_a_spent_trigger_gets_a_plain_answer_not_an_error_id(bot):
    bot.slack.fail_next("views.open", error="expired_trigger_id")
    answer = await escalate(bot, "", name="spent")
    assert "could not open" in answer["text"] and "error id" not in answer["text"]
    assert answer["response_type"] == "ephemeral"


async def test_card_button_asks_for_a_reason_then_escalates(bot, config):
    ticket = await create_ticket(bot)
    card = bot.slack.message(ticket.channel_id, ticket.message_ts)
    click = block_actions_payload("ticket_escalate", f"{ticket.id}:{ticket.number}", user_id=AGENT,
                                  channel_id=ticket.channel_id, message_ts=ticket.message_ts, message=card)
    assert (await bot.sender.interactive(click)).status == 200
    await bot.slack.wait_for("views.open", count=2)
    view = bot.slack.latest_view()
    assert view["title"]["text"] == f"Escalate #{ticket.number}"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Reason", "Impact"]
    await bot.sender.interactive(view_submission_payload(view, view_state(view, {"Reason": "needs engineering"}), user_id=AGENT))
    next_tier = config.next_tier(ticket.category, ticket.tier)
    async def moved() -> bool:
        return (await reload(bot, ticket.id)).tier == next_tier.id
    await until(moved, what=f"#{ticket.number} moved to {next_tier.id}")
