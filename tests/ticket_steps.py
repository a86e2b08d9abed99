"""Steps that integration tests share: a reporter opening a ticket as a person would."""

from __future__ import annotations

from sqlalchemy import select

from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload

REPORTER = "U0REPORTER"


def mrkdwn_texts(node) -> list[str]:
    """Every mrkdwn text in blocks: the only place Slack turns <!channel> into a ping
    (plain_text, as in headers, is shown literally)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [node["text"]]
        return [t for value in node.values() for t in mrkdwn_texts(value)]
    return []


async def open_modal(bot, text: str = "", channel_id: str = "C0GENERAL") -> dict:
    reply = await bot.sender.slash("/ticket", text, user_id=REPORTER, channel_id=channel_id)
    assert reply.status == 200
    await bot.slack.wait_for("views.open")
    return bot.slack.latest_view()


async def submit(bot, view: dict, values: dict, user_id: str = REPORTER):
    state = view_state(view, values)
    return await bot.sender.interactive(view_submission_payload(view, state, user_id=user_id))


async def create_ticket(bot, summary: str = "Cannot log in", *, category: str = "Login problems",
                        priority: str = "P1", customer: str | None = "ACME Corp", description: str | None = None) -> Ticket:
    """Open the modal and submit it as a person would; return the stored ticket once its card is posted."""
    before = len(bot.slack.calls_to("chat.postMessage"))
    confirmations = len(bot.slack.calls_to("chat.postEphemeral"))
    view = await open_modal(bot, summary)
    reply = await submit(bot, view, {"Category": category, "Priority": priority, "Customer": customer,
                                     "Description": description})
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postMessage", count=before + 1)
    await bot.slack.wait_for("chat.postEphemeral", count=confirmations + 1)
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).order_by(Ticket.id.desc()).limit(1))).scalar_one()


