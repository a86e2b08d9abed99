"""Steps that integration tests share: a reporter opening a ticket as a person would."""

from __future__ import annotations

from sqlalchemy import select

from models.kb_search import query_terms
from models.knowledge_base import KbSearch, KbSource
from models.tickets import Ticket
from tests.fakes.slack import view_state
from tests.fakes.slack_requests import view_submission_payload
from tests.waiting import until

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
    """``/ticket text``; the form as the person sees it once it has settled: opened, and
    with a knowledge base, searched and (when articles match) updated with them."""
    opened = len(bot.slack.calls_to("views.open"))
    searched = len(await modal_searches(bot))
    reply = await bot.sender.slash("/ticket", text, user_id=REPORTER, channel_id=channel_id)
    assert reply.status == 200
    call = (await bot.slack.wait_for("views.open", count=opened + 1))[opened]
    if call.ok and bot.runtime.config.knowledge_base is not None and query_terms(text):
        search = (await wait_for_modal_search(bot, count=searched + 1))[searched]
        if search.results:
            await wait_for_view_update(bot, call.response["view"]["id"])
    return bot.slack.latest_view()


async def modal_searches(bot) -> list[KbSearch]:
    """The knowledge-base searches the /ticket form made, oldest first."""
    async with bot.runtime.sessions() as db:
        query = select(KbSearch).where(KbSearch.source == KbSource.TICKET_MODAL).order_by(KbSearch.id)
        return list((await db.execute(query)).scalars())


async def wait_for_modal_search(bot, count: int = 1, timeout: float = 5.0) -> list[KbSearch]:
    """Wait until the /ticket form recorded ``count`` searches (they run after views.open)."""
    async def enough() -> list[KbSearch]:
        found = await modal_searches(bot)
        return found if len(found) >= count else []
    return await until(enough, timeout, what=f"{count} search(es) by the ticket form")


async def wait_for_view_update(bot, view_id: str, timeout: float = 5.0):
    """The first views.update of ``view_id`` (answered ok or not)."""
    updates = await until(lambda: [c for c in bot.slack.calls_to("views.update") if c.args.get("view_id") == view_id],
                          timeout, what=lambda: f"a views.update of {view_id} (calls: {[str(c) for c in bot.slack.calls]})")
    return updates[0]


async def submit(bot, view: dict, values: dict, user_id: str = REPORTER):
    state = view_state(view, values)
    return await bot.sender.interactive(view_submission_payload(view, state, user_id=user_id))


async def create_ticket(bot, summary: str = "Cannot log in", *, category: str = "Login problems",
                        priority: str = "P1", customer: str | None = "ACME Corp", description: str | None = None,
                        private: bool = False) -> Ticket:
    """Open the modal and submit it as a person would (``private``: "Private ticket" ticked);
    return the stored ticket once its card is posted."""
    before = len(bot.slack.calls_to("chat.postMessage"))
    confirmations = len(bot.slack.calls_to("chat.postEphemeral"))
    view = await open_modal(bot, summary)
    reply = await submit(bot, view, {"Category": category, "Priority": priority, "Customer": customer,
                                     "Description": description, "Private": ["private"] if private else []})
    assert reply.status == 200 and not reply.body, reply.body
    await bot.slack.wait_for("chat.postMessage", count=before + 1)
    await bot.slack.wait_for("chat.postEphemeral", count=confirmations + 1)
    await bot.runtime.drain()
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Ticket).order_by(Ticket.id.desc()).limit(1))).scalar_one()


